/* Applying a final report the ordinary way costs six Postgres round trips — the inbox read,
 * BEGIN, one statement locking the inbox row and then the payment row, the attempts read, one
 * statement writing attempt, payment, history, fulfilment, outbox event and inbox mark, COMMIT —
 * and leaves the rows and the event exactly as the statements one by one did. */
import { DataSource, QueryRunner } from 'typeorm';
import { ApplyInboxEvent } from '../../src/fulfilment/apply-inbox-event';
import { WompiGateway } from '../../src/wompi/wompi-gateway.port';
import { WompiTransaction } from '../../src/wompi/wompi.types';
import { startTestApp, TestApp } from '../support/app';
import {
  CARDS,
  fulfilmentRows,
  insertInbox,
  insertPayment,
  newReference,
  sandboxCardTransaction,
  sql,
  transactionUpdated,
} from './support';

describe('fulfilment: the round trips of an ordinary status change', () => {
  let t: TestApp;

  beforeAll(async () => {
    // nothing but the test applies the rows: no job, no sweeper re-enqueue
    t = await startTestApp({ wireWebhooks: false, env: { INBOX_SWEEP_AFTER_MS: '3600000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Every query of the query runners (one connection each) that carried `marker` as a parameter. */
  function countQueries(marker: string): { count(): number; restore(): void } {
    const ds = t.app.get(DataSource);
    const create = ds.createQueryRunner.bind(ds);
    const runners: { queries: number; ours: boolean }[] = [];
    const spy = jest.spyOn(ds, 'createQueryRunner').mockImplementation((mode) => {
      const qr: QueryRunner = create(mode);
      const seen = { queries: 0, ours: false };
      runners.push(seen);
      const query = qr.query.bind(qr) as (...a: unknown[]) => Promise<unknown>;
      qr.query = ((...args: unknown[]) => {
        seen.queries++;
        if (Array.isArray(args[1]) && args[1].includes(marker)) seen.ours = true;
        return query(...args);
      }) as QueryRunner['query'];
      return qr;
    });
    return {
      count: () => runners.filter((r) => r.ours).reduce((n, r) => n + r.queries, 0),
      restore: () => spy.mockRestore(),
    };
  }

  /** A payment as the API leaves it after a create: PENDING, its attempt PENDING with the Wompi id. */
  async function pendingPayment(tx: WompiTransaction, kind = 'TRANSACTION'): Promise<string> {
    const paymentId = await insertPayment(t.db.url, { reference: tx.reference, amountInCents: tx.amount_in_cents });
    await sql(t.db.url, `update payments set kind = $2, wompi_transaction_id = $3 where id = $1`, [
      paymentId,
      kind,
      tx.id,
    ]);
    await sql(
      t.db.url,
      `insert into payment_attempts (payment_id, wompi_transaction_id, status, payment_method_type, amount_in_cents)
       values ($1, $2, 'PENDING', 'CARD', $3)`,
      [paymentId, tx.id, tx.amount_in_cents],
    );
    return paymentId;
  }

  async function stored(paymentId: string, inboxId: string) {
    const [payment] = await sql<{ status: string; updated_at: Date; retryable_until: Date | null; version: number }>(
      t.db.url,
      `select status, updated_at, retryable_until, version from payments where id = $1`,
      [paymentId],
    );
    const [inbox] = await sql<{ status: string; attempts: number; last_error: string | null; processed_at: Date }>(
      t.db.url,
      `select status, attempts, last_error, processed_at from webhook_inbox where id = $1`,
      [inboxId],
    );
    const attempts = await sql<{ status: string; snapshot: { id: string } | null; finalized_at: Date | null }>(
      t.db.url,
      `select status, snapshot, finalized_at from payment_attempts where payment_id = $1`,
      [paymentId],
    );
    const history = await sql(
      t.db.url,
      `select from_status, to_status, source from payment_status_history where payment_id = $1`,
      [paymentId],
    );
    const outbox = await sql<{ event_type: string; payload: { data: Record<string, unknown> }; next_attempt_at: Date }>(
      t.db.url,
      `select event_type, payload, next_attempt_at from outbox where aggregate_id = $1`,
      [paymentId],
    );
    return { payment, inbox, attempts, history, outbox };
  }

  it('an APPROVED report: six round trips; the event carries the payment row as committed', async () => {
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), newReference(), 2_490_000, CARDS.approved);
    expect(tx.status).toBe('APPROVED');
    const paymentId = await pendingPayment(tx);
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));

    const queries = countQueries(inboxId);
    const result = await t.app
      .get(ApplyInboxEvent)
      .execute(inboxId)
      .finally(() => queries.restore());

    expect(result).toMatchObject({ outcome: 'changed', inboxStatus: 'PROCESSED', paymentId });
    expect(result.eventIds).toHaveLength(1);
    expect(queries.count()).toBe(6);

    const { payment, inbox, attempts, history, outbox } = await stored(paymentId, inboxId);
    expect(payment).toMatchObject({ status: 'APPROVED', retryable_until: null, version: 2 });
    expect(inbox).toMatchObject({ status: 'PROCESSED', attempts: 1, last_error: null });
    expect(inbox.processed_at).toBeInstanceOf(Date);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'APPROVED', snapshot: { id: tx.id } });
    expect(attempts[0].finalized_at).toBeInstanceOf(Date);
    expect(history).toEqual([{ from_status: 'PENDING', to_status: 'APPROVED', source: 'webhook' }]);
    expect(await fulfilmentRows(t.db.url, paymentId)).toEqual([
      { payment_id: paymentId, status: 'APPROVED', inbox_event_id: inboxId },
    ]);
    expect(outbox).toHaveLength(1);
    expect(outbox[0].event_type).toBe('transaction.approved');
    expect(outbox[0].payload.data).toMatchObject({
      id: paymentId,
      status: 'APPROVED',
      wompi_transaction_id: tx.id,
      // the row's updated_at, written by the same statement (the transaction's start time)
      updated_at: payment.updated_at.toISOString(),
      retryable_until: null,
    });

    // a second run finds the row done: one read, nothing else
    const again = countQueries(inboxId);
    expect(
      await t.app
        .get(ApplyInboxEvent)
        .execute(inboxId)
        .finally(() => again.restore()),
    ).toMatchObject({ outcome: 'already_done', inboxStatus: 'PROCESSED' });
    expect(again.count()).toBe(1);
  });

  it('a buyer-retryable DECLINED: the held event and the payment share one retry horizon', async () => {
    const tx = await sandboxCardTransaction(t.app.get(WompiGateway), newReference(), 1_990_000, CARDS.declined);
    expect(tx.status).toBe('DECLINED');
    const paymentId = await pendingPayment(tx, 'CHECKOUT');
    const inboxId = await insertInbox(t.db.url, 'transaction.updated', transactionUpdated(tx));

    const queries = countQueries(inboxId);
    const result = await t.app
      .get(ApplyInboxEvent)
      .execute(inboxId)
      .finally(() => queries.restore());

    expect(result).toMatchObject({ outcome: 'changed', inboxStatus: 'PROCESSED', paymentId });
    expect(queries.count()).toBe(6);
    const { payment, inbox, outbox } = await stored(paymentId, inboxId);
    expect(payment.status).toBe('DECLINED');
    expect(inbox).toMatchObject({ status: 'PROCESSED', attempts: 1, last_error: null });
    expect(payment.retryable_until).toBeInstanceOf(Date);
    expect(payment.retryable_until!.getTime()).toBeGreaterThan(Date.now());
    expect(outbox).toHaveLength(1);
    expect(outbox[0].event_type).toBe('transaction.declined');
    expect(outbox[0].next_attempt_at.getTime()).toBe(payment.retryable_until!.getTime());
    expect(outbox[0].payload.data).toMatchObject({
      status: 'DECLINED',
      updated_at: payment.updated_at.toISOString(),
      retryable_until: payment.retryable_until!.toISOString(),
    });
  });
});
