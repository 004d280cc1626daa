/* Idempotency under concurrency: 409 while the first request runs, 20 parallel identical
 * requests → one side effect, take-over of a crashed holder, release on a server error, and the
 * purge of expired keys. The first request is held open by locking the payments table from a
 * separate connection, so the race is controlled, not timed. */
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { IdempotencyPurger } from '../../src/common/idempotency/idempotency-purger';
import { startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { newKey, post, Reply, session } from './helpers';

const PATH = '/v1/checkout-sessions';

/** Holds an exclusive lock on `payments` until released: inserts there wait. */
async function lockPayments(url: string): Promise<{ release(): Promise<void> }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query('begin');
  await c.query('lock table payments in exclusive mode');
  return {
    async release() {
      await c.query('rollback');
      await c.end();
    },
  };
}

const keyState = async (t: TestApp, key: string) =>
  (
    await pgQuery<{ state: string }>(t.db.url, `select state from idempotency_keys where caller = $1 and key = $2`, [
      TEST_CALLER,
      key,
    ])
  )[0]?.state;

describe('Idempotency-Key under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('same key while the first request is still running → 409; afterwards the stored response', async () => {
    const key = newKey();
    const body = session({ metadata: { case: 'in-flight' } });
    const lock = await lockPayments(t.db.url);
    let first: Promise<Reply>;
    try {
      first = post(t, PATH, body, { key });
      await waitFor('the first request to claim its key', async () => (await keyState(t, key)) === 'IN_FLIGHT', 30_000);
      const second = await post(t, PATH, body, { key });
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_FLIGHT' });
    } finally {
      await lock.release();
    }
    const done = await first;
    expect(done.status).toBe(201);
    const third = await post(t, PATH, body, { key });
    expect(third.status).toBe(201);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body).toEqual(done.body);
  });

  it('20 parallel identical requests → exactly one payment; every 201 is the same session', async () => {
    const key = newKey('par');
    const body = session({ amount_in_cents: 777_700, metadata: { case: 'parallel' } });
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(t, PATH, body, { key })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    const rows = await pgQuery<{ n: string }>(
      t.db.url,
      `select count(*) as n from payments where metadata->>'case' = 'parallel'`,
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('20 parallel identical requests while the first is held → 1×201 and 19×409', async () => {
    const key = newKey('held');
    const body = session({ amount_in_cents: 888_800, metadata: { case: 'held' } });
    const lock = await lockPayments(t.db.url);
    let replies: Reply[];
    try {
      const first = post(t, PATH, body, { key });
      await waitFor('the first request to claim its key', async () => (await keyState(t, key)) === 'IN_FLIGHT', 30_000);
      const others = await Promise.all(Array.from({ length: 19 }, () => post(t, PATH, body, { key })));
      await lock.release();
      replies = [await first, ...others];
    } finally {
      await lock.release().catch(() => undefined);
    }
    expect(replies.map((r) => r.status).sort()).toEqual([201, ...Array(19).fill(409)]);
    const rows = await pgQuery<{ n: string }>(
      t.db.url,
      `select count(*) as n from payments where metadata->>'case' = 'held'`,
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('an IN_FLIGHT key whose holder died (lease passed) is taken over by the retry', async () => {
    const key = newKey('crashed');
    const body = { amount_in_cents: 150_000, currency: 'COP' };
    // the hash as the contract defines it, computed here independently of the module
    const hash = createHash('sha256')
      .update(`POST\n${PATH}\n{"amount_in_cents":150000,"currency":"COP"}`)
      .digest('hex');
    await pgQuery(
      t.db.url,
      `insert into idempotency_keys (caller, key, request_hash, method, path, state, locked_until, expires_at)
       values ($1, $2, $3, 'POST', $4, 'IN_FLIGHT', now() - interval '1 second', now() + interval '1 day')`,
      [TEST_CALLER, key, hash, PATH],
    );
    const r = await post(t, PATH, body, { key });
    expect(r.status).toBe(201);
    expect(await keyState(t, key)).toBe('COMPLETED');

    // a live lease is respected
    const liveKey = newKey('alive');
    await pgQuery(
      t.db.url,
      `insert into idempotency_keys (caller, key, request_hash, method, path, state, locked_until, expires_at)
       values ($1, $2, $3, 'POST', $4, 'IN_FLIGHT', now() + interval '1 minute', now() + interval '1 day')`,
      [TEST_CALLER, liveKey, hash, PATH],
    );
    expect((await post(t, PATH, body, { key: liveKey })).status).toBe(409);
  });

  it('a server error releases the key: the client may retry with the same key', async () => {
    const key = newKey('fail');
    const body = session({ metadata: { case: 'server-error' } });
    const lock = await lockPayments(t.db.url);
    let failed: Reply;
    try {
      const pending = post(t, PATH, body, { key });
      await waitFor('the first request to claim its key', async () => (await keyState(t, key)) === 'IN_FLIGHT', 30_000);
      // the database drops the app's connection mid-request
      const blocked = await waitFor(
        "the app's insert to wait on the lock",
        async () =>
          (
            await pgQuery<{ pid: number }>(
              t.db.url,
              `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'insert into "payments"%'`,
            )
          )[0],
        30_000,
      );
      await pgQuery(t.db.url, `select pg_terminate_backend($1)`, [blocked.pid]);
      failed = await pending;
    } finally {
      await lock.release();
    }
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.error_id).toEqual(expect.any(String));
    expect(await keyState(t, key)).toBeUndefined();
    const retry = await post(t, PATH, body, { key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it('expired keys are ignored by claims and purged by the worker', async () => {
    const key = newKey('old');
    await pgQuery(
      t.db.url,
      `insert into idempotency_keys (caller, key, request_hash, method, path, state, response_status, response_body, expires_at)
       values ($1, $2, repeat('0', 64), 'POST', $3, 'COMPLETED', 201, '{"stale":true}', now() - interval '1 minute')`,
      [TEST_CALLER, key, PATH],
    );
    // an expired record neither replays nor conflicts
    const fresh = await post(t, PATH, session({ metadata: { case: 'expired' } }), { key });
    expect(fresh.status).toBe(201);
    expect(fresh.body.stale).toBeUndefined();

    await pgQuery(
      t.db.url,
      `insert into idempotency_keys (caller, key, request_hash, method, path, state, expires_at)
       select $1, 'purge-' || g, repeat('0', 64), 'POST', $2, 'COMPLETED', now() - interval '1 hour' from generate_series(1, 2500) g`,
      [TEST_CALLER, PATH],
    );
    const purged = await t.app.get(IdempotencyPurger).purge();
    expect(purged).toBe(2500);
    const left = await pgQuery<{ n: string }>(
      t.db.url,
      `select count(*) as n from idempotency_keys where expires_at < now()`,
    );
    expect(Number(left[0].n)).toBe(0);
    expect(await keyState(t, key)).toBe('COMPLETED');
  });
});
