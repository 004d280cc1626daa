import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Request, Response } from 'express';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics';
import { DomainError, ERROR_CODES } from '../errors/domain-error';

export type RateLimitScope = 'internal' | 'unauthenticated' | 'webhook_unverified';
export const RATE_LIMIT_SCOPES: readonly RateLimitScope[] = ['internal', 'unauthenticated', 'webhook_unverified'];

/** Budgets are per fixed one-minute window (the variables say "per minute"). */
export const WINDOW_S = 60;
/** A Redis slower than this is treated as down for that request (the insurance limiter answers). */
export const STORE_COMMAND_TIMEOUT_MS = 250;
const STORE_WARN_EVERY_MS = 30_000;
/** Boot waits this long for the shared store, so replicas share budgets from the first request; never longer. */
export const STORE_BOOT_WAIT_MS = 2000;

export interface Budget {
  limit: number;
  remaining: number;
  /** seconds until the window resets */
  resetS: number;
}

export interface Decision {
  allowed: boolean;
  /** undefined when the store failed and the request was let through */
  budget?: Budget;
}

/** The address limits are keyed by: Express' `req.ip`, which honours TRUST_PROXY (`trust proxy`). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

/** The IETF draft's RateLimit-* fields (and Retry-After, set by the problem filter on the 429). */
export function setRateLimitHeaders(res: Response, b: Budget | undefined): void {
  if (!b || res.headersSent) return;
  res.setHeader('RateLimit-Limit', String(b.limit));
  res.setHeader('RateLimit-Remaining', String(b.remaining));
  res.setHeader('RateLimit-Reset', String(b.resetS));
}

const WHAT: Record<RateLimitScope, string> = {
  internal: 'requests from this caller',
  unauthenticated: 'requests with a refused API key from this address',
  webhook_unverified: 'deliveries that failed verification from this address',
};

/**
 * The three budgets (docs/security-rate-limits.md). In memory by default (per process); with
 * RATE_LIMIT_STORE=redis one budget is shared by every replica, and an in-memory limiter of the
 * same size answers whenever Redis is down or slow, so Redis never blocks or fails a request.
 */
@Injectable()
export class RateLimits implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly limiters: Record<RateLimitScope, RateLimiterAbstract>;
  private readonly redis?: Redis;
  private lastStoreWarn = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const rl = config.rateLimits;
    if (rl.store === 'redis' && rl.redisUrl) this.redis = this.connect(rl.redisUrl);
    const points: Record<RateLimitScope, number> = {
      internal: rl.internalPerMin,
      unauthenticated: rl.unauthenticatedPerMin,
      webhook_unverified: rl.webhookUnverifiedPerMin,
    };
    const build = (scope: RateLimitScope): RateLimiterAbstract => {
      const opts = { points: points[scope], duration: WINDOW_S };
      const memory = new RateLimiterMemory({ ...opts, keyPrefix: `ratelimit:${scope}` });
      if (!this.redis) return memory;
      // QUEUE_PREFIX already separates deployments sharing one Redis
      return new RateLimiterRedis({
        ...opts,
        storeClient: this.redis,
        keyPrefix: `${config.queuePrefix}:ratelimit:${scope}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    };
    this.limiters = {
      internal: build('internal'),
      unauthenticated: build('unauthenticated'),
      webhook_unverified: build('webhook_unverified'),
    };
  }

  get enabled(): boolean {
    return this.config.rateLimits.enabled;
  }

  /** Takes one request from `key`'s budget in `scope`. Never throws: a failing store lets the request through. */
  async take(scope: RateLimitScope, key: string): Promise<Decision> {
    const limiter = this.limiters[scope];
    try {
      return { allowed: true, budget: this.budgetOf(limiter, await limiter.consume(key)) };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { allowed: false, budget: this.budgetOf(limiter, err) };
      this.warnStore(err);
      return { allowed: true };
    }
  }

  /** The 429 for a refused request (counted); its headers are set on `res` here. */
  refuse(scope: RateLimitScope, res: Response, budget: Budget | undefined): DomainError {
    this.metrics.rateLimited.inc({ scope });
    setRateLimitHeaders(res, budget);
    const limit = budget?.limit ?? this.limiters[scope].points;
    return new DomainError(
      'RATE_LIMITED',
      `More than ${limit} ${WHAT[scope]} in ${WINDOW_S} s; retry after the window resets`,
      undefined,
      {
        retry_after_seconds: budget?.resetS ?? WINDOW_S,
        scope,
      },
    );
  }

  /**
   * A webhook delivery refused for itself (bad checksum, malformed envelope or body: any 4xx)
   * takes one from its address's budget; once that is spent the refusal becomes a 429.
   * Anything else (a 503 of ours) passes through unchanged. Verified deliveries never get here.
   */
  async refusedDelivery(req: Request, res: Response, err: unknown): Promise<unknown> {
    if (!this.enabled || !isClientRefusal(err)) return err;
    const d = await this.take('webhook_unverified', clientAddress(req));
    return d.allowed ? err : this.refuse('webhook_unverified', res, d.budget);
  }

  async onModuleInit(): Promise<void> {
    const client = this.redis;
    if (!client || client.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      onReady = resolve;
      timer = setTimeout(resolve, STORE_BOOT_WAIT_MS);
      client.once('ready', onReady);
    });
    clearTimeout(timer);
    if (onReady) client.off('ready', onReady);
    if (!this.storeReady())
      this.logger.warn(
        `rate-limit store (Redis) not ready after ${STORE_BOOT_WAIT_MS} ms; per-process limits apply until it is`,
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
  }

  /** whether the shared store answers now (false with the memory store) */
  storeReady(): boolean {
    return this.redis?.status === 'ready';
  }

  private budgetOf(limiter: RateLimiterAbstract, r: RateLimiterRes): Budget {
    return {
      limit: limiter.points,
      remaining: Math.max(0, r.remainingPoints),
      resetS: Math.max(1, Math.ceil(r.msBeforeNext / 1000)),
    };
  }

  private connect(url: string): Redis {
    const client = new Redis(url, {
      // fail at once while disconnected instead of parking commands: the insurance limiter answers
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: STORE_COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    client.on('error', (err) => this.warnStore(err));
    client.on('ready', () =>
      this.logger.log('rate-limit store (Redis) connected; budgets are shared by every replica'),
    );
    return client;
  }

  private warnStore(err: unknown): void {
    const now = Date.now();
    if (now - this.lastStoreWarn < STORE_WARN_EVERY_MS) return;
    this.lastStoreWarn = now;
    this.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate-limit store (Redis) unavailable; per-process limits apply meanwhile',
    );
  }
}

function isClientRefusal(err: unknown): boolean {
  if (err instanceof DomainError) {
    const status = ERROR_CODES[err.code].status;
    return status >= 400 && status < 500 && status !== 429;
  }
  // body-parser errors that reached here unconverted carry their own status
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status =
    typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}
