/* Events that cannot or must not be applied end in a recorded state instead of looping:
 * poison payloads dead-letter at once, refused (mismatching) reports are recorded, unknown
 * payments are ignored, token events need nothing, and a job whose last attempt fails
 * leaves its row DEAD. */
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { JobQueue, QUEUES, RETRY_POLICIES } from '../../src/queue/job-queue.port';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { WompiGateway } from '../../src/wompi/wompi-gateway.port';
import {
  CARDS,
  fulfilmentRows,
  inboxRow,
  insertInbox,
  insertPayment,
  newReference,
  outboxRows,
  sandboxCardTransaction,
  sql,
  syntheticTx,
  transactionUpdated,
} from './support';

describe('fulfilment: poison events and refused reports', () => {
  let t: TestApp;
  let bull: Queue;
  const enqueue = (inboxId: string, attempts = RETRY_POLICIES.webhookEvent.attempts) =>
    t.app
      .get(JobQueue)
      .enqueue(
        QUEUES.WEBHOOK_EVENTS,
        'apply-event',
        { inboxId },
        { jobId: `inbox:${inboxId}`, attempts, backoff: { type: 'fixed', delayMs: 100 } },
      );
  const jobSettled = (inboxId: string) =>
    waitFor(
      `job for ${inboxId} settled`,
      async () => {
        const state = await (await bull.getJob(`inbox:${inboxId}`))?.getState();
        if (state !== 'failed' && state !== 'completed') return false;
        // read the job again once it is settled: a copy read before the move can miss the last attempt
        const settled = await bull.getJob(`inbox:${inboxId}`);
        return { state, attemptsMade: settled!.attemptsMade };
      },
      30_000,
    );

  beforeAll(async () => {
    // The suite enqueues each row's job itself and counts its attempts: no sweeper may re-enqueue
    // a row because its job is slow on a busy machine (the test default bound is 2 s).
    t = await startTestApp({ wireWebhooks: false, env: { INBOX_SWEEP_AFTER_MS: '3600000' } });
    bull = t.app.get<Queue>(getQueueToken(QUEUES.WEBHOOK_EVENTS));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('dead-letters a transaction.updated without a transaction after one attempt', async () => {
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', {
      event: 'transaction.updated',
      data: { nequi_token: {} },
      environment: 'test',
    });
    await enqueue(inboxId);
    expect(await jobSettled(inboxId)).toEqual({ state: 'failed', attemptsMade: 1 });
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({
      status: 'DEAD',
      attempts: 1,
      last_error: expect.stringContaining('poison'),
    });
  });

  it('dead-letters a transaction with wrong types after one attempt, naming the fields', async () => {
    const reference = newReference('poison');
    await insertPayment(t.db.url, { reference, amountInCents: 500_000 });
    const inboxId = await insertInbox(
      t.db.url,
      'transaction.updated',
      transactionUpdated({ ...syntheticTx(reference, 500_000, 'APPROVED'), amount_in_cents: '500000', status: 42 }),
    );
    await enqueue(inboxId);
    expect(await jobSettled(inboxId)).toEqual({ state: 'failed', attemptsMade: 1 });
    const row = await inboxRow(t.db.url, inboxId);
    expect(row.status).toBe('DEAD');
    expect(row.last_error).toMatch(/amount_in_cents.*status/);
  });

  it('records a report whose amount disagrees as an anomaly, applies nothing and does not retry', async () => {
    const reference = newReference('mismatch');
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 700_000 });
    // a real Wompi transaction (a DECLINED is confirmed by fetch too) whose amount is not ours
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), reference, 1_500_000, CARDS.declined);
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));
    await enqueue(inboxId);
    expect(await jobSettled(inboxId)).toEqual({ state: 'completed', attemptsMade: 0 });
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({
      status: 'DEAD',
      attempts: 1,
      last_error: expect.stringContaining('mismatch'),
    });
    expect(await sql(t.db.url, `select kind from payment_anomalies where payment_id = $1`, [paymentId])).toEqual([
      { kind: 'amount' },
    ]);
    expect(await sql(t.db.url, `select status from payments where id = $1`, [paymentId])).toEqual([
      { status: 'PENDING' },
    ]);
    expect(await fulfilmentRows(t.db.url, paymentId)).toEqual([]);
    expect((await outboxRows(t.db.url)).filter((r) => r.aggregate_id === paymentId)).toEqual([]);
  });

  it('records a report for a payment we do not have as an external transaction (settled, not ignored)', async () => {
    const tx = await sandboxCardTransaction(
      t.app.get(WompiGateway),
      newReference('stranger'),
      1_000_000,
      CARDS.declined,
    );
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));
    await enqueue(inboxId);
    expect(await jobSettled(inboxId)).toMatchObject({ state: 'completed' });
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({ status: 'PROCESSED', last_error: null });
    expect(
      await sql(t.db.url, `select status from external_transactions where wompi_transaction_id = $1`, [tx.id]),
    ).toEqual([{ status: 'DECLINED' }]);
  });

  it('marks token events processed: nothing to fulfil', async () => {
    const inboxId = await insertInbox(t.db.url, 'nequi_token.updated', {
      event: 'nequi_token.updated',
      data: { nequi_token: { id: 'nequi_test_1', status: 'APPROVED' } },
      environment: 'test',
    });
    await enqueue(inboxId);
    expect(await jobSettled(inboxId)).toMatchObject({ state: 'completed' });
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({ status: 'PROCESSED', last_error: null });
  });

  it('leaves the row DEAD when the last attempt fails (Wompi cannot confirm an APPROVED)', async () => {
    const reference = newReference('unconfirmed');
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 300_000 });
    // an APPROVED Wompi has never heard of: the confirmation fails on every attempt
    const inboxId = await insertInbox(
      t.db.url,
      'transaction.updated',
      transactionUpdated(syntheticTx(reference, 300_000, 'APPROVED', 'no-such-transaction-1')),
    );
    await enqueue(inboxId, 2);
    expect(await jobSettled(inboxId)).toEqual({ state: 'failed', attemptsMade: 2 });
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({
      status: 'DEAD',
      attempts: 2,
      last_error: expect.any(String),
    });
    expect(await sql(t.db.url, `select status from payments where id = $1`, [paymentId])).toEqual([
      { status: 'PENDING' },
    ]);
  });

  it('does nothing more for a row already dead or processed', async () => {
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', { event: 'transaction.updated', data: {} });
    await sql(
      t.db.url,
      `update webhook_inbox set status = 'DEAD', attempts = 3, last_error = 'poison: earlier' where id = $1`,
      [inboxId],
    );
    await enqueue(inboxId);
    expect(await jobSettled(inboxId)).toEqual({ state: 'completed', attemptsMade: 0 });
    expect(await inboxRow(t.db.url, inboxId)).toMatchObject({
      status: 'DEAD',
      attempts: 3,
      last_error: 'poison: earlier',
    });
  });
});
