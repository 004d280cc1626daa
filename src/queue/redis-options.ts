import type { RedisOptions } from 'ioredis';

/** Longest pause between two reconnection attempts to Redis. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 2000;

/**
 * Reconnect quickly and keep trying: 200 ms, 400 ms … then every 2 s, forever. Bull's own
 * default (`Math.min(Math.exp(n), 20000)`) reaches 20 s after ten attempts, so after a 20 s
 * outage enqueues kept failing for ~13 s with Redis already back.
 */
export function redisRetryStrategy(attempt: number): number {
  return Math.min(Math.max(1, attempt) * 200, REDIS_RECONNECT_MAX_DELAY_MS);
}

/**
 * ioredis options for every Redis client of the service (Bull's client, subscriber and
 * blocking client are all built from these). Bull takes either a URL or an options object, and
 * only the object carries a retry strategy, hence the parse: host, port, database, credentials
 * and TLS for `rediss:`.
 */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    retryStrategy: redisRetryStrategy,
  };
}
