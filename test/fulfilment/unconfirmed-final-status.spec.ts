/* A signed final status that Wompi does not confirm yet is never settled: the job retries it
 * (FAILED, `unconfirmed: …`), a redelivery of the event re-enqueues it at once, and after the
 * job's last attempt the row is parked UNCONFIRMED for the sweeper — not PROCESSED, so Wompi's
 * genuine delivery is applied instead of being counted as a duplicate. */
import { JobQueue, QUEUES } from '../../src/queue/job-queue.port';
import { startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { sandboxDecide } from '../transactions/support';
import { deliver, inboxRow as inboxRowByKey, QueuePeek } from '../webhooks/support';
import {
  fulfilmentRows,
  historyOf,
  inboxRow,
  insertInbox,
  outboxRows,
  paymentRow,
  pendingTransfer,
  signedStatusEvent,
  transactionUpdated,
} from './support';

describe('fulfilment: a signed APPROVED that Wompi does not confirm yet', () => {
  let t: TestApp;
  let peek: QueuePeek;

  beforeAll(async () => {
    t = await startTestApp();
    peek = new QueuePeek(t);
  });
  afterAll(async () => {
    await peek?.close();
    await t?.close();
  });

  it('is retried, not settled, and the genuine delivery after Wompi approves is applied at once (not swallowed as a duplicate)', async () => {
    const p = await pendingTransfer(t);
    const early = signedStatusEvent(t, p.tx, 'APPROVED');
    expect((await deliver(t, early)).status).toBe(200);
    const key = `transaction.updated:${p.wompiId}:APPROVED`;

    // Wompi still says PENDING: a failed attempt to retry, never PROCESSED
    const failed = await waitFor('the unconfirmed attempt recorded', async () => {
      const r = await pgQuery<{ id: string; status: string; attempts: number; last_error: string | null }>(
        t.db.url,
        'select id, status, attempts, last_error from webhook_inbox where event_key = $1',
        [key],
      );
      return r[0] && r[0].attempts >= 1 && r[0];
    });
    expect(failed).toMatchObject({
      status: 'FAILED',
      last_error: expect.stringMatching(/^unconfirmed: the event reports APPROVED but Wompi still reports PENDING/),
    });
    expect(await paymentRow(t, p.id)).toEqual({ status: 'PENDING', finalized_at: null });
    expect(await fulfilmentRows(t.db.url, p.id)).toEqual([]);

    // Wompi really approves; its own signed webhook collapses onto the row and is applied
    await sandboxDecide(t.sandbox, p.wompiId, 'APPROVED');
    const processed = await waitFor(
      'the row processed',
      async () => {
        const r = await inboxRowByKey(t, key);
        return r?.status === 'PROCESSED' && r;
      },
      15_000,
    );
    expect(processed.delivery_count).toBeGreaterThanOrEqual(2);
    expect(await paymentRow(t, p.id)).toMatchObject({ status: 'APPROVED' });
    expect(await historyOf(t, p.id)).toContainEqual({ to_status: 'APPROVED', source: 'webhook' });
    expect(await fulfilmentRows(t.db.url, p.id)).toEqual([
      { payment_id: p.id, status: 'APPROVED', inbox_event_id: processed.id },
    ]);
    // the redelivery got its own job (not only a delivery_count bump)
    expect((await peek.jobsFor(processed.id)).map((j) => String(j.id))).toContain(`inbox:${processed.id}:redelivery:2`);

    // a duplicate of the settled event is still only counted: no new job, nothing applied twice
    const jobsBefore = (await peek.jobsFor(processed.id)).length;
    expect((await deliver(t, early)).status).toBe(200);
    const after = await inboxRowByKey(t, key);
    expect(after).toMatchObject({ status: 'PROCESSED', delivery_count: processed.delivery_count + 1 });
    expect((await peek.jobsFor(processed.id)).length).toBe(jobsBefore);
    expect(await fulfilmentRows(t.db.url, p.id)).toHaveLength(1);
    expect((await outboxRows(t.db.url)).filter((r) => r.aggregate_id === p.id).map((r) => r.event_type)).toEqual([
      'transaction.approved',
    ]);
  });
});

describe("fulfilment: an APPROVED still unconfirmed after the job's last attempt", () => {
  let t: TestApp;

  beforeAll(async () => {
    // no sandbox webhooks: only the sweeper can bring the parked row back (after 10 bounds)
    t = await startTestApp({
      wireWebhooks: false,
      env: { INBOX_SWEEP_AFTER_MS: '1000', OPERATOR_CALLERS: TEST_CALLER },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is parked UNCONFIRMED (not PROCESSED, not DEAD) and applied by the sweeper once Wompi agrees', async () => {
    const p = await pendingTransfer(t);
    const inboxId = await insertInbox(
      t.db.url,
      'transaction.updated',
      transactionUpdated({ ...p.tx, status: 'APPROVED' }),
      `transaction.updated:${p.wompiId}:APPROVED`,
    );
    // its job (below) holds it: stamped as enqueued in the future, so the sweeper cannot add a
    // job of its own while the job's attempts run, however slow the machine
    await pgQuery(t.db.url, `update webhook_inbox set enqueued_at = now() + interval '1 hour' where id = $1`, [
      inboxId,
    ]);
    const attempts = 2;
    await t.app
      .get(JobQueue)
      .enqueue(
        QUEUES.WEBHOOK_EVENTS,
        'apply-event',
        { inboxId },
        { jobId: `inbox:${inboxId}`, attempts, backoff: { type: 'fixed', delayMs: 100 } },
      );

    const parked = await waitFor('the row parked', async () => {
      const r = await inboxRow(t.db.url, inboxId);
      return r.attempts >= attempts && r;
    });
    expect(parked).toMatchObject({
      status: 'UNCONFIRMED',
      attempts,
      last_error: expect.stringMatching(/^unconfirmed: /),
    });
    expect(await paymentRow(t, p.id)).toEqual({ status: 'PENDING', finalized_at: null });
    expect(await fulfilmentRows(t.db.url, p.id)).toEqual([]);
    // operators can list it
    const listed = await fetch(`${t.url}/v1/webhooks/events?status=UNCONFIRMED`, { headers: t.auth });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { data: { id: string }[] }).data.map((r) => r.id)).toContain(inboxId);

    await sandboxDecide(t.sandbox, p.wompiId, 'APPROVED');
    // the parked row's last job ended more than 10 bounds ago
    await pgQuery(t.db.url, `update webhook_inbox set enqueued_at = now() - interval '1 hour' where id = $1`, [
      inboxId,
    ]);
    await waitFor(
      'the sweeper to re-try and apply the row',
      async () => (await inboxRow(t.db.url, inboxId)).status === 'PROCESSED',
      30_000,
      200,
    );
    expect(await paymentRow(t, p.id)).toMatchObject({ status: 'APPROVED' });
    expect(await fulfilmentRows(t.db.url, p.id)).toEqual([
      { payment_id: p.id, status: 'APPROVED', inbox_event_id: inboxId },
    ]);
  });
});
