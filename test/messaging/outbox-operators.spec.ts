/* Events the broker keeps refusing are parked DEAD after OUTBOX_MAX_ATTEMPTS, hold back the
 * later events of their payment, show up for operators, and leave again (same id, in order)
 * once retried. */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EventBus, BusMessage } from '../../src/messaging/event-bus.port';
import { OutboxRelay } from '../../src/messaging/outbox-relay';
import { OutboxSignal } from '../../src/messaging/outbox-signal';
import { Metrics } from '../../src/metrics/metrics';
import { writeOutboxEvent } from './support';
import { startTestApp, TEST_CALLER, TestApp } from '../support/app';
import { BusObserver, observeBus, outboxRows } from '../fulfilment/support';

class RefusingBus extends EventBus {
  readonly driver = 'amqp' as const;
  calls = 0;
  async publish(_: BusMessage[]): Promise<void> {
    this.calls++;
    throw new Error('message nacked');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

const OPTIONS = {
  pollMs: 50,
  batchSize: 50,
  leaseMs: 10_000,
  maxAttempts: 3,
  retryBaseMs: 1,
  retryMaxMs: 5,
  publishTimeoutMs: 1000,
};

describe('outbox: dead events and their operators', () => {
  let t: TestApp;
  let bus: BusObserver;
  let ds: DataSource;
  const paymentId = randomUUID();
  const other = randomUUID();

  const write = (aggregateId: string, status: string) => writeOutboxEvent(t, aggregateId, status);

  beforeAll(async () => {
    // API role only: no relay of its own, so the relays below are the only publishers
    t = await startTestApp({ wireWebhooks: false, env: { ROLE: 'api', OPERATOR_CALLERS: TEST_CALLER } });
    bus = await observeBus(t.config.amqpExchange);
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('parks refused events DEAD, holds back later events of the payment, and lets operators retry them', async () => {
    const first = await write(paymentId, 'approved');
    const second = await write(paymentId, 'voided');
    const unrelated = await write(other, 'declined');

    const refusing = new RefusingBus();
    const broken = new OutboxRelay(ds, refusing, OPTIONS, t.app.get(Metrics), new OutboxSignal());
    for (let round = 0; round < 10; round++) {
      await new Promise((r) => setTimeout(r, OPTIONS.retryMaxMs + 5)); // let the (5 ms) backoff pass
      await broken.runOnce();
    }
    let rows = await outboxRows(t.db.url);
    const byEvent = (id: string) => rows.find((r) => r.event_id === id)!;
    expect(byEvent(first)).toMatchObject({
      status: 'DEAD',
      attempts: 3,
      last_error: expect.stringContaining('message nacked'),
    });
    expect(byEvent(unrelated)).toMatchObject({ status: 'DEAD', attempts: 3 });
    // the second event of the parked payment was never even tried
    expect(byEvent(second)).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(refusing.calls).toBe(6);
    expect(await broken.refreshGauges()).toEqual({ pending: 1, dead: 2 });
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.text).toMatch(/^outbox_dead 2$/m);

    const list = await request(t.url).get('/v1/outbox?status=DEAD').set(t.auth);
    expect(list.status).toBe(200);
    // the status answered is the status to filter by; any letter case is the same filter
    for (const spelling of ['dead', 'Dead']) {
      const same = await request(t.url).get(`/v1/outbox?status=${spelling}`).set(t.auth);
      expect([same.status, same.body]).toEqual([200, list.body]);
    }
    expect(list.body.next_cursor).toBeNull();
    expect(list.body.data.map((r: { event_id: string }) => r.event_id)).toEqual([first, unrelated]);
    expect(list.body.data[0]).toMatchObject({
      type: 'transaction.approved',
      payment_id: paymentId,
      subject: `ref-${paymentId.slice(0, 8)}`,
      status: 'DEAD',
      attempts: 3,
      sent_at: null,
    });

    const page1 = await request(t.url).get('/v1/outbox?status=DEAD&limit=1').set(t.auth);
    expect(page1.body.data).toHaveLength(1);
    const page2 = await request(t.url)
      .get(`/v1/outbox?status=DEAD&limit=1&cursor=${page1.body.next_cursor}`)
      .set(t.auth);
    expect(page2.body.data.map((r: { event_id: string }) => r.event_id)).toEqual([unrelated]);
    expect(page2.body.next_cursor).toBeNull();

    const deadId = list.body.data[0].id as string;
    const retried = await request(t.url).post(`/v1/outbox/${deadId}/retry`).set(t.auth);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: deadId, status: 'PENDING', attempts: 0, last_error: null });
    const again = await request(t.url).post(`/v1/outbox/${deadId}/retry`).set(t.auth);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, current_status: 'PENDING' });

    // a relay that can publish: the retried event, then the one it held back, same ids
    const healthy = new OutboxRelay(ds, t.app.get(EventBus), OPTIONS, t.app.get(Metrics), new OutboxSignal());
    await healthy.runOnce();
    await healthy.runOnce();
    const got = await bus.waitForCount(2);
    expect(got.map((m) => [m.messageId, m.event.type])).toEqual([
      [first, 'transaction.approved'],
      [second, 'transaction.voided'],
    ]);
    rows = await outboxRows(t.db.url);
    expect(rows.filter((r) => r.aggregate_id === paymentId).map((r) => r.status)).toEqual(['SENT', 'SENT']);
    expect(rows.find((r) => r.event_id === unrelated)!.status).toBe('DEAD');

    const sent = await request(t.url).get('/v1/outbox?status=SENT').set(t.auth);
    expect(sent.body.data.map((r: { event_id: string }) => r.event_id)).toEqual([second, first]);
    expect(sent.body.data[0].sent_at).toEqual(expect.any(String));
  });

  it('answers 404 for unknown events, 400 for bad ids and queries and 401 without a key', async () => {
    expect((await request(t.url).post('/v1/outbox/999999999/retry').set(t.auth)).status).toBe(404);
    const malformed = await request(t.url).post('/v1/outbox/not-a-number/retry').set(t.auth);
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors)).toEqual(['id']);
    const bad = await request(t.url).get('/v1/outbox?status=lost&limit=0&extra=1').set(t.auth);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['extra', 'limit', 'status']);
    expect(bad.body.errors.status).toEqual(['status must be one of DEAD, PENDING, SENT (any letter case)']);
    const badCursor = await request(t.url).get('/v1/outbox?status=DEAD&cursor=bm9wZQ').set(t.auth);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors).toHaveProperty('cursor');
    expect((await request(t.url).get('/v1/outbox?status=DEAD')).status).toBe(401);
  });
});
