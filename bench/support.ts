/* Benchmark support: a real service (createApp) on a fresh migrated database, the real
 * Redis and RabbitMQ, and the offline sandbox. Loopback only; every loop is bounded. */
import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source';
import { RunningSandbox, startSandbox } from '../src/sandbox/start-sandbox';

export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** sample size or rows */
  n?: number;
  notes?: string;
}

export interface BenchApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  sandbox: RunningSandbox;
  databaseUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

export interface BenchContext {
  startApp(env?: Record<string, string>): Promise<BenchApp>;
  log(message: string): void;
}

const PG_ADMIN = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database with the real migrations applied. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `pay_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = withDb(PG_ADMIN, name);
  const ds = new DataSource({ ...dataSourceOptions(url), entities: [] });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  return { name, url, drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export function startBenchSandbox(): Promise<RunningSandbox> {
  return startSandbox({
    port: 0,
    silent: true,
    cardDelayMs: 100,
    asyncDelayMs: 200,
    retryDelaysMs: [1000, 2000, 4000],
  });
}

/** The environment a bench service runs with (in-process or as a child process). */
export function benchEnv(
  db: BenchDatabase,
  sandbox: RunningSandbox,
  apiKey: string,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    ROLE: 'all',
    DATABASE_URL: db.url,
    REDIS_URL: REDIS,
    AMQP_URL: AMQP,
    AMQP_EXCHANGE: `payments.events.bench.${db.name}`,
    QUEUE_PREFIX: `bench-${db.name}`,
    WOMPI_BASE_URL: sandbox.baseUrl,
    WOMPI_PUBLIC_KEY: sandbox.keys.publicKey,
    WOMPI_PRIVATE_KEY: sandbox.keys.privateKey,
    WOMPI_INTEGRITY_SECRET: sandbox.keys.integritySecret,
    WOMPI_EVENTS_SECRET: sandbox.keys.eventsSecret,
    INTERNAL_API_KEYS: `bench:${apiKey}`,
    ...env,
  };
}

export const newApiKey = (): string => 'bench-key-' + randomBytes(12).toString('hex');

export async function startBenchApp(env: Record<string, string> = {}): Promise<BenchApp> {
  const db = await createBenchDatabase();
  const sandbox = await startBenchSandbox();
  const apiKey = newApiKey();
  const config = loadConfig(benchEnv(db, sandbox, apiKey, env));
  const app = await createApp(config, { bufferLogs: false });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  sandbox.setEventsUrl(`${url}/v1/webhooks/wompi`);
  return {
    app,
    url,
    config,
    sandbox,
    databaseUrl: db.url,
    apiKey,
    async close() {
      sandbox.setEventsUrl(undefined);
      await app.close();
      await sandbox.close();
      await db.drop();
    },
  };
}

/** Percentile of a sample (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}
