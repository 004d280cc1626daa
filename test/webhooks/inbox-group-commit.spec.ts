/* Group commit of the inbox upsert (InboxStore.upsert): deliveries arriving together share one
 * statement against the real Postgres, and each caller still gets exactly what it would have
 * got alone — its own row, its own delivery count, its own refusal. */
import { Client } from 'pg';
import { startTestApp, TestApp } from '../support/app';
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
    // the api role alone: no relay of its own claims the rows these tests look at
    t = await startTestApp({ wireWebhooks: false, env: { ROLE: 'api' } });
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
  it("the relay's claim never waits on a row another transaction holds, and takes the others (no lock cycle)", async () => {
    // the relay's old stamp waited on rows a grouped upsert held (and the upsert on rows the
    // stamp held) until deadlock_timeout; the claim skips a held row and takes it next time
    const p = txId();
    const ids: Record<string, string> = {};
    for (const k of ['a', 'b', 'c']) ids[k] = (await store.upsert(row(`transaction:${p}:${k}`))).id;
    const holder = new Client({ connectionString: t.db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from webhook_inbox where id = $1 for update', [ids.b]);
      const bound = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the claim waited on the held row')), 10_000).unref(),
      );
      const first = await Promise.race([store.claimUnenqueued(500), bound]);
      const ours = (claimed: { id: string }[]) =>
        Object.entries(ids)
          .filter(([, id]) => claimed.some((c) => c.id === id))
          .map(([k]) => k);
      expect(ours(first)).toEqual(['a', 'c']);
      await holder.query('commit');
      expect(ours(await store.claimUnenqueued(500))).toEqual(['b']);
      // claimed rows are stamped: nothing of ours is claimed twice
      expect(ours(await store.claimUnenqueued(500))).toEqual([]);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  });

  it('a redelivery hands an unsettled row back to the relay, with its trace; a settled one is only counted', async () => {
    const trace = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const [openKey, settledKey] = [`transaction:${txId()}`, `transaction:${txId()}`];
    const open = await store.upsert(row(openKey));
    const settled = await store.upsert(row(settledKey));
    await pgQuery(t.db.url, `update webhook_inbox set status = 'PROCESSED' where id = $1`, [settled.id]);
    await store.claimUnenqueued(500); // both stamped, as the relay would
    const again = await Promise.all([store.upsert({ ...row(openKey), trace }), store.upsert(row(settledKey))]);
    expect(again.map((r) => [r.inserted, r.deliveryCount])).toEqual([
      [false, 2],
      [false, 2],
    ]);
    const claimed = await store.claimUnenqueued(500);
    expect(claimed.filter((c) => c.id === open.id)).toEqual([
      { id: open.id, status: 'RECEIVED', deliveryCount: 2, trace },
    ]);
    expect(claimed.some((c) => c.id === settled.id)).toBe(false);
  });
});
