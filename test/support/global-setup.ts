/* Fails the whole run at once, naming the service, when a real dependency is down; then
 * builds a template database with the real migrations (through the real CLI) that each
 * suite clones for isolation. */
import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { HOW_TO_START, PG_ADMIN_URL, REDIS_URL, AMQP_URL, pgQuery, tcpReachable, withDatabase } from './services';

async function redisPing(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export default async function globalSetup(): Promise<void> {
  const missing: string[] = [];
  try {
    await pgQuery(PG_ADMIN_URL, 'select 1');
  } catch {
    missing.push(`PostgreSQL at ${new URL(PG_ADMIN_URL).host} — start it: ${HOW_TO_START.PostgreSQL}`);
  }
  if (!(await redisPing(REDIS_URL)))
    missing.push(`Redis at ${new URL(REDIS_URL).host} — start it: ${HOW_TO_START.Redis}`);
  if (!(await tcpReachable(AMQP_URL, 5672)))
    missing.push(`RabbitMQ at ${new URL(AMQP_URL).host} — start it: ${HOW_TO_START.RabbitMQ}`);
  if (missing.length) {
    throw new Error(`npm test needs real services; unreachable:\n  - ${missing.join('\n  - ')}`);
  }

  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const template = `pay_tpl_${runId}`;
  await pgQuery(PG_ADMIN_URL, `create database ${template}`);
  execFileSync('npx', ['typeorm-ts-node-commonjs', '-d', 'src/database/data-source.ts', 'migration:run'], {
    env: { ...process.env, DATABASE_URL: withDatabase(PG_ADMIN_URL, template), TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env.TEST_RUN_ID = runId;
  process.env.TEST_TEMPLATE_DB = template;
}
