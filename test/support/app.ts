/* Boots the real service (same wiring as production) against the real services and the
 * sandbox over HTTP, for integration and end-to-end suites. */
import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { RunningSandbox, startSandbox, SandboxOptions } from '../../src/sandbox/start-sandbox';
import { createTestDatabase, TestDatabase } from './database';
import { AMQP_URL, REDIS_URL } from './services';

export const TEST_CALLER = 'orders';
export const TEST_API_KEY = 'test-key-' + randomBytes(12).toString('hex');
export const OTHER_CALLER = 'billing';
export const OTHER_API_KEY = 'test-key-' + randomBytes(12).toString('hex');

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  db: TestDatabase;
  sandbox: RunningSandbox;
  auth: { Authorization: string };
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  sandbox?: SandboxOptions;
  /** reuse a sandbox (e.g. several apps against one Wompi) */
  useSandbox?: RunningSandbox;
  /** point the sandbox's webhooks at this app (default true) */
  wireWebhooks?: boolean;
}

/** The env a test app boots with; override anything. */
export function testEnv(
  db: TestDatabase,
  sandbox: RunningSandbox,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    ROLE: 'all',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    REDIS_URL,
    AMQP_URL,
    AMQP_EXCHANGE: `payments.events.test.${db.name}`,
    QUEUE_PREFIX: `test-${db.name}`,
    WOMPI_BASE_URL: sandbox.baseUrl,
    WOMPI_PUBLIC_KEY: sandbox.keys.publicKey,
    WOMPI_PRIVATE_KEY: sandbox.keys.privateKey,
    WOMPI_INTEGRITY_SECRET: sandbox.keys.integritySecret,
    WOMPI_EVENTS_SECRET: sandbox.keys.eventsSecret,
    WOMPI_TIMEOUT_MS: '3000',
    WOMPI_RETRY_BASE_DELAY_MS: '50',
    INTERNAL_API_KEYS: `${TEST_CALLER}:${TEST_API_KEY},${OTHER_CALLER}:${OTHER_API_KEY}`,
    INBOX_SWEEP_AFTER_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...extra,
  };
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const ownSandbox = !opts.useSandbox;
  const sandbox =
    opts.useSandbox ??
    (await startSandbox({
      port: 0,
      silent: true,
      cardDelayMs: 200,
      asyncDelayMs: 400,
      retryDelaysMs: [500, 1000, 2000],
      ...opts.sandbox,
    }));
  const config = loadConfig(testEnv(db, sandbox, opts.env));
  const app = await createApp(config, { bufferLogs: false });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  if (opts.wireWebhooks !== false) sandbox.setEventsUrl(`${url}/v1/webhooks/wompi`);
  return {
    app,
    url,
    config,
    db,
    sandbox,
    auth: { Authorization: `Bearer ${TEST_API_KEY}` },
    async close() {
      if (opts.wireWebhooks !== false) sandbox.setEventsUrl(undefined);
      await app.close();
      if (ownSandbox) await sandbox.close();
      await db.drop();
    },
  };
}

/**
 * How long a boot of the real entry point in a child process (ts-node, `src/main.ts`) may take.
 * Seconds on an idle machine, over a minute on a busy one (npm run test:busy). A test or hook
 * that boots one counts this bound in its own timeout, per boot.
 */
export const BOOT_BOUND_MS = 180_000;

/** Waits for a condition with a bound (never a bare sleep). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
