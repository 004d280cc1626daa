/* Wompi unreachable for longer than a job's retries: the APPROVED it could not confirm is
 * neither trusted nor dropped — the row goes back to the inbox sweeper and is applied once
 * Wompi answers again. */
import { JobQueue, QUEUES } from '../../src/queue/job-queue.port';
import { WompiGateway } from '../../src/wompi/wompi-gateway.port';
import { startTestApp, TestApp, waitFor } from '../support/app';
import {
  BusObserver,
  CARDS,
  fulfilmentRows,
  inboxRow,
  insertInbox,
  insertPayment,
  newReference,
  observeBus,
  sandboxCardTransaction,
  sql,
  transactionUpdated,
} from './support';

describe('fulfilment: Wompi down longer than the retries', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    // a breaker that never opens keeps the test about retries, not the breaker's cooldown
    t = await startTestApp({
      wireWebhooks: false,
      env: { WOMPI_BREAKER_THRESHOLD: '1000', INBOX_SWEEP_AFTER_MS: '2000' },
    });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('hands the event back to the sweeper and applies it when Wompi answers', async () => {
    const reference = newReference('outage');
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 880_000 });
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), reference, 880_000, CARDS.approved);
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));
    // its job (below) holds it: stamped as enqueued in the future, so the sweeper cannot take it
    // while the job's attempts run, however slow the machine; handed back, it is made due below
    await sql(t.db.url, `update webhook_inbox set enqueued_at = now() + interval '1 hour' where id = $1`, [inboxId]);
    const attempts = 2;
    // every gateway try of both job attempts fails
    const faults = await fetch(`${t.sandbox.origin}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        fail_next: {
          count: t.config.wompi.retryAttempts * attempts,
          status: 503,
          method: 'GET',
          path: `/v1/transactions/${tx.id}`,
        },
      }),
    });
    expect(faults.status).toBeLessThan(300);

    await t.app
      .get(JobQueue)
      .enqueue(
        QUEUES.WEBHOOK_EVENTS,
        'apply-event',
        { inboxId },
        { jobId: `inbox:${inboxId}`, attempts, backoff: { type: 'fixed', delayMs: 100 } },
      );
    const handedBack = await waitFor('the row handed back to the sweeper', async () => {
      const row = await inboxRow(t.db.url, inboxId);
      return (row.attempts >= attempts || row.status === 'PROCESSED') && row;
    });
    expect(handedBack).toMatchObject({
      status: 'RECEIVED',
      attempts,
      last_error: expect.stringMatching(/503|unavailable/i),
    });
    expect(await sql(t.db.url, `select status from payments where id = $1`, [paymentId])).toEqual([
      { status: 'PENDING' },
    ]);

    // the job that held it is long gone: enqueued longer ago than the bound
    await sql(t.db.url, `update webhook_inbox set enqueued_at = now() - interval '1 hour' where id = $1`, [inboxId]);
    await waitFor(
      'the event applied after the sweep',
      async () => (await inboxRow(t.db.url, inboxId)).status === 'PROCESSED',
      30_000,
    );
    await waitFor('transaction.approved on the bus', async () =>
      bus.messages.some((m) => m.event.subject === reference),
    );
    expect(bus.messages.filter((m) => m.event.subject === reference).map((m) => m.event.type)).toEqual([
      'transaction.approved',
    ]);
    expect(await fulfilmentRows(t.db.url, paymentId)).toEqual([
      expect.objectContaining({ status: 'APPROVED', inbox_event_id: inboxId }),
    ]);
  });
});
