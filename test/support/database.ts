import { randomBytes } from 'node:crypto';
import { PG_ADMIN_URL, pgQuery, withDatabase } from './services';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template: each suite gets its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.TEST_TEMPLATE_DB;
  const runId = process.env.TEST_RUN_ID;
  if (!template || !runId) throw new Error('TEST_TEMPLATE_DB is not set: run the suites through jest (npm test)');
  const name = `pay_t_${runId}_${randomBytes(4).toString('hex')}`;
  await pgQuery(PG_ADMIN_URL, `create database ${name} template ${template}`);
  const url = withDatabase(PG_ADMIN_URL, name);
  return {
    url,
    name,
    drop: () => pgQuery(PG_ADMIN_URL, `drop database if exists ${name} with (force)`).then(() => undefined),
  };
}
