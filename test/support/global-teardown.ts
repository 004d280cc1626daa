import { PG_ADMIN_URL, pgQuery } from './services';

export default async function globalTeardown(): Promise<void> {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) return;
  const dbs = await pgQuery<{ datname: string }>(
    PG_ADMIN_URL,
    `select datname from pg_database where datname like $1`,
    [`pay_%${runId}%`],
  );
  for (const { datname } of dbs) {
    await pgQuery(PG_ADMIN_URL, `drop database if exists ${datname} with (force)`);
  }
}
