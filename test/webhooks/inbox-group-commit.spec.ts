/* Group commit of the inbox upsert (InboxStore.upsert): deliveries arriving together share one
 * statement against the real Postgres, and each caller still gets exactly what it would have
 * got alone — its own row, its own delivery count, its own refusal. */
import { startTestApp, TestApp } from '../support/app';
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
});
