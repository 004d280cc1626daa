/* An APPROVED Wompi event becomes exactly one `transaction.approved` CloudEvent on RabbitMQ;
 * an APPROVED that Wompi does not confirm is applied as what Wompi says; Wompi unreachable
 * during the confirmation → the job retries rather than trusting or dropping the event. */
import { OutboxRelay } from '../../src/messaging/outbox-relay';
import { JobQueue, QUEUES, RETRY_POLICIES } from '../../src/queue/job-queue.port';
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
  outboxRows,
  sandboxCardTransaction,
  transactionUpdated,
} from './support';

describe('fulfilment: an APPROVED event reaches the bus once', () => {
  let t: TestApp;
  let bus: BusObserver;
  const enqueue = (inboxId: string, suffix = '') =>
    t.app.get(JobQueue).enqueue(
      QUEUES.WEBHOOK_EVENTS,
      'apply-event',
      { inboxId },
      {
        jobId: `inbox:${inboxId}${suffix}`,
        ...RETRY_POLICIES.webhookEvent,
        backoff: { type: 'fixed', delayMs: 200 },
      },
    );

  beforeAll(async () => {
    // The suite enqueues each row's job itself and counts attempts: no sweeper may re-enqueue a
    // row because its job is slow on a busy machine (the test default bound is 2 s).
    t = await startTestApp({ wireWebhooks: false, env: { INBOX_SWEEP_AFTER_MS: '3600000' } });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('publishes one transaction.approved CloudEvent with the payment as the API shows it', async () => {
    const reference = newReference();
    const paymentId = await insertPayment(t.db.url, {
      reference,
      amountInCents: 4_990_000,
      metadata: { order_id: 'A-1001', channel: 'web' },
    });
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), reference, 4_990_000, CARDS.approved);
    expect(tx.status).toBe('APPROVED');
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));
    const before = bus.messages.length;

    await enqueue(inboxId);
    const [msg] = (await bus.waitForCount(before + 1)).slice(before);

    expect(msg.routingKey).toBe('transaction.approved');
    expect(msg.contentType).toBe('application/cloudevents+json');
    expect(msg.persistent).toBe(true);
    expect(msg.messageId).toBe(msg.event.id);
    expect(msg.event).toMatchObject({
      specversion: '1.0',
      type: 'transaction.approved',
      subject: reference,
      source: t.config.eventSource,
    });
    expect(Date.parse(msg.event.time)).not.toBeNaN();
    expect(msg.event.data).toMatchObject({
      id: paymentId,
      reference,
      status: 'APPROVED',
      amount_in_cents: 4_990_000,
      currency: 'COP',
      payment_method_type: 'CARD',
      wompi_transaction_id: tx.id,
      metadata: { order_id: 'A-1001', channel: 'web' },
    });

    await waitFor(
      'outbox row SENT',
      async () => (await outboxRows(t.db.url)).find((r) => r.event_id === msg.event.id)?.status === 'SENT',
    );
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({ status: 'PROCESSED', attempts: 1, last_error: null });
    expect(await fulfilmentRows(t.db.url, paymentId)).toEqual([
      { payment_id: paymentId, status: 'APPROVED', inbox_event_id: inboxId },
    ]);

    // the same event again (a redelivery stored as another row, and the same job re-enqueued): nothing new
    const again = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));
    await enqueue(again);
    await enqueue(inboxId, ':replay');
    await waitFor('second inbox row processed', async () => (await inboxRow(t.db.url, again)).status === 'PROCESSED');
    expect((await t.app.get(OutboxRelay).runOnce()).claimed).toBe(0);
    expect(bus.messages.filter((m) => m.event.subject === reference)).toHaveLength(1);
    expect(await fulfilmentRows(t.db.url, paymentId)).toHaveLength(1);
    expect((await outboxRows(t.db.url)).filter((r) => r.aggregate_id === paymentId)).toHaveLength(1);
  });

  it('applies what Wompi reports when an event claims APPROVED for a declined transaction', async () => {
    const reference = newReference();
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 1_500_000 });
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), reference, 1_500_000, CARDS.declined);
    expect(tx.status).toBe('DECLINED');
    const inboxId = await insertInbox(
      t.db.url,
      'transaction.updated',
      transactionUpdated({ ...tx, status: 'APPROVED' }),
    );
    const before = bus.messages.length;

    await enqueue(inboxId);
    const [msg] = (await bus.waitForCount(before + 1)).slice(before);
    expect(msg.event).toMatchObject({
      type: 'transaction.declined',
      subject: reference,
      data: { id: paymentId, status: 'DECLINED' },
    });
    expect(await fulfilmentRows(t.db.url, paymentId)).toEqual([expect.objectContaining({ status: 'DECLINED' })]);
  });

  it('retries while Wompi cannot confirm an APPROVED, then applies it', async () => {
    const reference = newReference();
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 2_000_000 });
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), reference, 2_000_000, CARDS.approved);
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));
    // every try of the first job attempt (the gateway retries reads itself) gets a 503
    const faults = await fetch(`${t.sandbox.origin}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        fail_next: {
          count: t.config.wompi.retryAttempts,
          status: 503,
          method: 'GET',
          path: `/v1/transactions/${tx.id}`,
        },
      }),
    });
    expect(faults.status).toBeLessThan(300);
    const before = bus.messages.length;

    await enqueue(inboxId);
    await waitFor('a failed attempt recorded', async () => {
      const row = await inboxRow(t.db.url, inboxId);
      return (row.status === 'FAILED' || row.status === 'PROCESSED') && row;
    });
    const [msg] = (await bus.waitForCount(before + 1)).slice(before);
    expect(msg.event).toMatchObject({ type: 'transaction.approved', subject: reference });
    const row = await inboxRow(t.db.url, inboxId);
    expect(row.status).toBe('PROCESSED');
    expect(row.attempts).toBe(2);
    expect(await fulfilmentRows(t.db.url, paymentId)).toHaveLength(1);
  });
});
