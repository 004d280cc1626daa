/* Postgres unreachable is an outage, not a bug: the API answers 503 problem+json with
 * Retry-After (documented on the write routes), not a 500, and recovers by itself. */
import { createServer } from 'node:net';
import { DataSource } from 'typeorm';
import { isDependencyDown } from '../../src/common/http/problem-details.filter';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery, PG_ADMIN_URL } from '../support/services';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('Postgres unreachable → 503 DEPENDENCY_UNAVAILABLE', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 with Retry-After while the database is unreachable, and 201 again once it is back', async () => {
    // the pool's next connections go to a port where nothing listens; the open ones are cut
    const pool = (t.app.get(DataSource).driver as unknown as { master: { options: { connectionString: string } } })
      .master;
    const real = pool.options.connectionString;
    const url = new URL(real);
    url.port = String(await closedPort());
    pool.options.connectionString = url.toString();
    await pgQuery(PG_ADMIN_URL, 'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [
      t.db.name,
    ]);

    const post = () =>
      fetch(`${t.url}/v1/checkout-sessions`, {
        method: 'POST',
        headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': `down-${Math.random()}` },
        body: '{"amount_in_cents":2500000,"currency":"COP"}',
      });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await post();
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('retry-after')).toBe('5');
        const body = (await res.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', error_id: expect.any(String) });
        expect(JSON.stringify(body)).not.toContain(t.db.name); // the driver's message stays in the log
      }
    } finally {
      pool.options.connectionString = real;
    }
    await waitFor('the API to recover', async () => (await post()).status === 201);
  });
});

describe('isDependencyDown', () => {
  it('recognises socket errors, connection-class SQLSTATEs and wrapped driver errors, and nothing else', () => {
    expect(
      isDependencyDown(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isDependencyDown({ code: '57P03', message: 'the database system is starting up' })).toBe(true);
    expect(isDependencyDown({ code: '08006', message: 'connection failure' })).toBe(true);
    expect(isDependencyDown({ message: 'query failed', driverError: { code: '57P01' } })).toBe(true);
    expect(isDependencyDown(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isDependencyDown(
        Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {}),
      ),
    ).toBe(true);
    expect(isDependencyDown({ code: '23505', message: 'duplicate key value violates unique constraint' })).toBe(false);
    expect(isDependencyDown(new TypeError('Cannot read properties of undefined'))).toBe(false);
    expect(isDependencyDown(null)).toBe(false);
  });
});
