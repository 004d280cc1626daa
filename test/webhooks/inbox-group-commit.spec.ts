/* Group commit of the inbox upsert (InboxStore.upsert): deliveries arriving together share one
 * statement against the real Postgres, and each caller still gets exactly what it would have
 * got alone — its own row, its own delivery count, its own refusal. */
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { InboxStore, NewInboxRow, UPSERT_GROUP_MAX } from '../../src/webhooks/inbox.store';
import { classifyStoreError } from '../../src/webhooks/webhook-ingest.service';
import { DomainError } from '../../src/common/errors/domain-error';
import { inboxRows, txId } from './support';

const row = (key: string, rawBody = `{"event":"transaction.updated","key":"${key}"}`): NewInboxRow => ({
  eventKey: key,
  eventType: 'transaction.updated',
  environment: 'test',
  checksum: 'c'.repeat(64),
  signedTimestamp: Math.floor(Date.now() / 1000),
  sentAt: new Date(),
  rawBody,
  status: 'RECEIVED',
});

describe('inbox: group commit of concurrent upserts', () => {
  let t: TestApp;
  let store: InboxStore;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    store = t.app.get(InboxStore);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('collapses deliveries of one event in a group in arrival order and keeps other events apart', async () => {
    const [a, b, c] = [txId(), txId(), txId()];
    // submitted in one turn of the event loop: one group
    const results = await Promise.all([a, b, a, c, a, b].map((k) => store.upsert(row(`transaction:${k}`))));
    expect(results.map((r) => [r.inserted, r.deliveryCount])).toEqual([
      [true, 1],
      [true, 1],
      [false, 2],
      [true, 1],
      [false, 3],
      [false, 2],
    ]);
    expect(new Set(results.map((r) => r.id)).size).toBe(3);
    expect(results[0].id).toBe(results[2].id);
    expect(results[1].id).toBe(results[5].id);

    // a later group counts on from what is stored
    const again = await Promise.all([a, c].map((k) => store.upsert(row(`transaction:${k}`))));
    expect(again.map((r) => [r.id, r.inserted, r.deliveryCount])).toEqual([
      [results[0].id, false, 4],
      [results[3].id, false, 2],
    ]);
    const stored = new Map((await inboxRows(t)).map((r) => [r.event_key, r.delivery_count]));
    expect([a, b, c].map((k) => stored.get(`transaction:${k}`))).toEqual([4, 2, 2]);
  });

  it('refuses only the delivery Postgres refuses; the others in its group are stored', async () => {
    const keys = [txId(), txId(), txId()].map((k) => `transaction:${k}`);
    const settled = await Promise.allSettled([
      store.upsert(row(keys[0])),
      store.upsert(row(keys[1], '{"event":"transaction.updated","x":"\\u0000"}')),
      store.upsert(row(keys[2])),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = classifyStoreError((settled[1] as PromiseRejectedResult).reason);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('MALFORMED_EVENT');
    const stored = new Set((await inboxRows(t)).map((r) => r.event_key));
    expect(keys.map((k) => stored.has(k))).toEqual([true, false, true]);
  });

  it(`splits more than ${UPSERT_GROUP_MAX} deliveries into several statements`, async () => {
    const keys = Array.from({ length: UPSERT_GROUP_MAX * 2 + 3 }, () => `transaction:${txId()}`);
    const results = await Promise.all(keys.map((k) => store.upsert(row(k))));
    expect(results.every((r) => r.inserted && r.deliveryCount === 1)).toBe(true);
    const stored = new Set((await inboxRows(t)).map((r) => r.event_key));
    expect(keys.every((k) => stored.has(k))).toBe(true);
  });
  it("the relay's enqueued_at stamp locks rows in event_key order, as a grouped upsert does (no lock cycle)", async () => {
    // A grouped upsert locks its rows in event_key order; the relay's stamp used to lock them in
    // id order, and the two waited on each other until deadlock_timeout (the redelivery p99 was 1 s).
    const p = txId();
    const tail = randomBytes(6).toString('hex');
    const ids: Record<string, string> = {};
    // ids in the opposite order to the keys: a → 3…, b → 2…, c → 1…
    for (const [k, lead] of [
      ['c', '1'],
      ['b', '2'],
      ['a', '3'],
    ] as const) {
      const r = await store.upsert(row(`transaction:${p}:${k}`));
      ids[k] = `${lead}0000000-0000-4000-8000-${tail}`;
      await pgQuery(t.db.url, 'update webhook_inbox set id = $2 where id = $1', [r.id, ids[k]]);
    }
    const holder = new Client({ connectionString: t.db.url });
    const prober = new Client({ connectionString: t.db.url });
    await holder.connect();
    await prober.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from webhook_inbox where id = $1 for update', [ids.b]);
      const marking = store.markEnqueuedMany([ids.c, ids.a, ids.b]);
      await waitFor('the stamp to wait for the held row', async () => {
        const waiting = await pgQuery<{ n: number }>(
          t.db.url,
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'
              and query like '%set enqueued_at = now()%'`,
        );
        return waiting[0].n > 0;
      });
      // in key order the stamp holds a and waits on b; c is still free
      const nowait = (id: string) =>
        prober.query('select 1 from webhook_inbox where id = $1 for update nowait', [id]).then(
          () => 'free',
          (err: { code?: string }) => (err.code === '55P03' ? 'locked' : `error ${err.code}`),
        );
      expect({ a: await nowait(ids.a), c: await nowait(ids.c) }).toEqual({ a: 'locked', c: 'free' });
      await holder.query('commit');
      await marking;
      const stamped = await pgQuery<{ n: number }>(
        t.db.url,
        'select count(*)::int as n from webhook_inbox where id = any($1::uuid[]) and enqueued_at is not null',
        [Object.values(ids)],
      );
      expect(stamped[0].n).toBe(3);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
      await prober.end();
    }
  });
});
