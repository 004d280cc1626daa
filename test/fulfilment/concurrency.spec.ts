/* Exactly-once effects: the same job run twice, the same event stored twice, and two worker
 * processes racing over one backlog all end in one fulfilment and one event id per payment
 * and state. */
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { ApplyInboxEvent } from '../../src/fulfilment/apply-inbox-event';
import { JobQueue, QUEUES, RETRY_POLICIES } from '../../src/queue/job-queue.port';
import { startTestApp, TestApp, testEnv, waitFor } from '../support/app';
import {
  BusObserver,
  fulfilmentRows,
  inboxRow,
  insertInbox,
  insertPayment,
  newReference,
  observeBus,
  outboxRows,
  sql,
  syntheticTx,
  transactionUpdated,
} from './support';

// the suite runs and enqueues the jobs itself: no sweeper re-enqueueing a row whose job is slow on
// a busy machine (the test default bound is 2 s)
const ENV = { WOMPI_VERIFY_APPROVED_BY_FETCH: 'false', FULFILMENT_CONCURRENCY: '8', INBOX_SWEEP_AFTER_MS: '3600000' };

describe('fulfilment: one fulfilment and one event per payment and state', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: ENV });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('applies one inbox row once however many times its job runs, even concurrently', async () => {
    const reference = newReference('twice');
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 990_000 });
    const inboxId = await insertInbox(
      t.db.url,
      'transaction.updated',
      transactionUpdated(syntheticTx(reference, 990_000, 'APPROVED')),
    );
    const apply = t.app.get(ApplyInboxEvent);

    const results = await Promise.all(Array.from({ length: 6 }, () => apply.execute(inboxId)));
    expect(results.filter((r) => r.outcome === 'changed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'already_done')).toHaveLength(5);
    expect(await apply.execute(inboxId)).toMatchObject({ outcome: 'already_done', eventIds: [] });

    expect(await fulfilmentRows(t.db.url, paymentId)).toHaveLength(1);
    expect((await outboxRows(t.db.url)).filter((r) => r.aggregate_id === paymentId)).toHaveLength(1);
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({ status: 'PROCESSED', attempts: 1 });
  });

  it('applies the same report stored as several rows once (row locks + unique constraints)', async () => {
    const reference = newReference('dup');
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 1_234_500 });
    const tx = syntheticTx(reference, 1_234_500, 'APPROVED');
    const ids = await Promise.all(
      Array.from({ length: 5 }, () => insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx))),
    );
    const apply = t.app.get(ApplyInboxEvent);

    const results = await Promise.all(ids.map((id) => apply.execute(id)));
    expect(results.filter((r) => r.outcome === 'changed')).toHaveLength(1);
    expect(results.flatMap((r) => r.eventIds)).toHaveLength(1);
    for (const id of ids) expect((await inboxRow(t.db.url, id)).status).toBe('PROCESSED');
    expect(await fulfilmentRows(t.db.url, paymentId)).toHaveLength(1);

    const [eventId] = results.flatMap((r) => r.eventIds);
    await waitFor('the event on the bus', async () => bus.messages.some((m) => m.messageId === eventId));
    expect(bus.messages.filter((m) => m.event.subject === reference)).toHaveLength(1);
  });

  describe('two worker processes over one backlog', () => {
    let second: INestApplication;

    beforeAll(async () => {
      second = await createApp(loadConfig(testEnv(t.db, t.sandbox, { ...ENV, ROLE: 'worker' })), { bufferLogs: false });
      await second.init();
    });
    afterAll(async () => {
      await second?.close();
    });

    it('fulfils each payment once and publishes each event id once', async () => {
      const N = 25;
      const payments = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const reference = newReference(`race${i}`);
          const id = await insertPayment(t.db.url, { reference, amountInCents: 100_000 + i });
          return { id, reference, tx: syntheticTx(reference, 100_000 + i, i % 5 === 0 ? 'DECLINED' : 'APPROVED') };
        }),
      );
      const firstCalls = jest.spyOn(t.app.get(ApplyInboxEvent), 'execute');
      const secondCalls = jest.spyOn(second.get(ApplyInboxEvent), 'execute');
      // every report stored twice, and every row enqueued twice (as a redelivery and a sweep would)
      const queue = t.app.get(JobQueue);
      const rows: string[] = [];
      for (const p of payments) {
        for (let copy = 0; copy < 2; copy++) {
          const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(p.tx));
          rows.push(inboxId);
          for (const suffix of ['', ':sweep-1']) {
            await queue.enqueue(
              QUEUES.WEBHOOK_EVENTS,
              'apply-event',
              { inboxId },
              { jobId: `inbox:${inboxId}${suffix}`, ...RETRY_POLICIES.webhookEvent },
            );
          }
        }
      }

      await waitFor(
        'every inbox row processed',
        async () => {
          const [{ open }] = await sql<{ open: number }>(
            t.db.url,
            `select count(*)::int as open from webhook_inbox where id = any($1) and status <> 'PROCESSED'`,
            [rows],
          );
          return open === 0;
        },
        30_000,
      );
      const ids = payments.map((p) => p.id);
      await waitFor(
        'every event SENT',
        async () => {
          const [{ pending }] = await sql<{ pending: number }>(
            t.db.url,
            `select count(*)::int as pending from outbox where aggregate_id = any($1) and status <> 'SENT'`,
            [ids],
          );
          return pending === 0;
        },
        30_000,
      );

      const fulfilments = await sql<{ payment_id: string; n: number }>(
        t.db.url,
        `select payment_id, count(*)::int as n from fulfilments where payment_id = any($1) group by payment_id`,
        [ids],
      );
      expect(fulfilments).toHaveLength(N);
      expect(fulfilments.every((f) => f.n === 1)).toBe(true);

      const events = (await outboxRows(t.db.url)).filter((r) => ids.includes(r.aggregate_id));
      expect(events).toHaveLength(N);
      await bus.waitForCount(bus.messages.filter((m) => !ids.includes(String(m.event.data.id))).length + N);
      const seen = bus.messages.filter((m) => ids.includes(String(m.event.data.id)));
      expect(new Set(seen.map((m) => m.messageId)).size).toBe(N);
      expect(seen.map((m) => m.messageId).sort()).toEqual(events.map((e) => e.event_id).sort());
      // both processes took jobs (4 per payment in all)
      expect(firstCalls.mock.calls.length).toBeGreaterThan(0);
      expect(secondCalls.mock.calls.length).toBeGreaterThan(0);
      expect(firstCalls.mock.calls.length + secondCalls.mock.calls.length).toBeGreaterThanOrEqual(4 * N);
    });
  });
});
