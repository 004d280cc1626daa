// Shared by the image checks: docker CLI calls, free ports, bounded waits, the host services.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The docker.io package's client builds with the engine's own BuildKit (no buildx plugin needed).
export const DOCKER =
  process.env.DOCKER ?? (spawnSync('test', ['-x', '/usr/bin/docker']).status === 0 ? '/usr/bin/docker' : 'docker');
export const log = (s) => process.stdout.write(`test:image: ${s}\n`);

export function sh(bin, args, opts = {}) {
  const r = spawnSync(bin, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 900_000,
    env: opts.env ?? process.env,
    input: opts.input,
    stdio: opts.inherit ? ['ignore', 'inherit', 'inherit'] : 'pipe',
  });
  if (r.error) throw r.error;
  if (opts.check !== false && r.status !== 0)
    throw new Error(
      `${bin} ${args.join(' ')} exited ${r.status}:\n${(r.stderr ?? '').slice(-4000)}${(r.stdout ?? '').slice(-2000)}`,
    );
  return { status: r.status, stdout: (r.stdout ?? '').trim(), stderr: (r.stderr ?? '').trim() };
}
export const docker = (args, opts) => sh(DOCKER, args, opts);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls fn until it returns a truthy value; throws with the last failure after timeoutMs. */
export async function waitFor(what, timeoutMs, fn) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${last.message})` : ''}`);
}

export const HOST = {
  pgAdmin: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqp: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

export function withDatabase(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Sandbox-only keys shared by the service and the sandbox containers (never real secrets). */
export const KEYS = {
  pub: 'pub_test_imagecheckonlynotasecret00000000',
  prv: 'prv_test_imagecheckonlynotasecret00000000',
  integrity: 'test_integrity_imagecheckonlynotasecret00000000',
  events: 'test_events_imagecheckonlynotasecret00000000',
  api: 'image:image-check-key-not-a-secret-0000',
};
