/* Readiness reads Postgres on a connection of its own: a TypeORM pool held to the last
 * connection by slow queries is load, not an outage, and must not turn the pod unready. It also
 * requires every migration the code knows to be applied. */
import { DataSource } from 'typeorm';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';

describe('readiness and the database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DB_POOL_MAX: '3' }, wireWebhooks: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 200 at once while every connection of the app pool is busy', async () => {
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    const ds = t.app.get(DataSource);
    const marker = `hold_pool_${Date.now()}`;
    // one more than the pool: the pool is full and a request is queued behind it. Held 30 s (cut
    // short below): far longer than any answer may take, so a ping that waited for a pool
    // connection could not pass for a fast one, even on a busy machine.
    const held = Array.from({ length: 4 }, () => ds.query(`select pg_sleep(30) as ${marker}`));
    try {
      await waitFor(
        'the pool to be saturated',
        async () => {
          const [r] = await pgQuery<{ n: number }>(
            t.db.url,
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like $1 and state = 'active'`,
            [`%${marker}%`],
          );
          return r.n === 3;
        },
        20_000,
        50,
      );
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const res = await fetch(`${t.url}/health/ready`);
        const took = Date.now() - started;
        const body = (await res.json()) as { info: Record<string, { status: string }> };
        expect(res.status).toBe(200);
        expect(body.info.database.status).toBe('up');
        // the old ping waited its whole 1 s budget for a pool connection, then said "down" (the
        // status above); a ping queued behind the pool would wait for a held query (30 s). Generous
        // for a busy machine.
        expect(took).toBeLessThan(10_000);
      }
    } finally {
      // cancel the held queries (the queued fourth one too, once it starts) instead of waiting them out
      let settled = false;
      const all = Promise.allSettled(held).then(() => (settled = true));
      await waitFor(
        'the held queries to end',
        async () => {
          await pgQuery(
            t.db.url,
            `select pg_cancel_backend(pid) from pg_stat_activity where datname = current_database() and query like $1 and pid <> pg_backend_pid()`,
            [`%${marker}%`],
          );
          return settled;
        },
        30_000,
        100,
      );
      await all;
    }
  }, 120_000);

  it('is unready (503) while a migration the code knows is not applied, and names it', async () => {
    const [row] = await pgQuery<{ id: number; timestamp: string; name: string }>(
      t.db.url,
      'select id, timestamp, name from schema_migrations order by timestamp desc limit 1',
    );
    await pgQuery(t.db.url, 'delete from schema_migrations where id = $1', [row.id]);
    try {
      const res = await fetch(`${t.url}/health/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: Record<string, { status: string; pending_migrations: string[] }> };
      expect(body.error.database.status).toBe('down');
      expect(body.error.database.pending_migrations).toEqual([row.name]);
    } finally {
      await pgQuery(t.db.url, 'insert into schema_migrations (id, timestamp, name) values ($1, $2, $3)', [
        row.id,
        row.timestamp,
        row.name,
      ]);
    }
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
  });
});
