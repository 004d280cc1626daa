/* One checkout reference, several Wompi transactions (docs/wompi.md#reading-and-searching-transactions: widget retries). The
 * buyer pays in the widget (a transaction created at the sandbox with the session's reference
 * and signature), then the widget's "reintento" makes another transaction with the same
 * reference (sandbox admin `POST /__sandbox/transactions/:id/retry`). Everything reaches us
 * through signed webhooks, verified by fetch.
 *
 * - a different attempt APPROVED after DECLINED/ERROR: money was taken → the payment becomes
 *   APPROVED; within the buyer-retry window the held transaction.declined|error is superseded
 *   (never published) and consumers get transaction.approved only (buyer-retry-window.spec.ts);
 * - a different attempt DECLINED after APPROVED: the payment stays APPROVED, one event;
 * - a second APPROVED attempt: the buyer paid twice → anomaly `duplicate_approval` (row, metric,
 *   error log with ids only), the payment untouched, still one transaction.approved;
 * - a session past its expiration_time cannot be paid: Wompi refuses, the session stays PENDING.
 */
import { Logger } from '@nestjs/common';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Json, newKey, post } from '../idempotency/helpers';
import { inboxRow, metricValue } from '../webhooks/support';

const CARDS = { APPROVED: '4242424242424242', DECLINED: '4111111111111111', ERROR: '5555555555554444' } as const;
type Final = keyof typeof CARDS;

async function sandbox(
  t: TestApp,
  method: string,
  path: string,
  key: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const url = path.startsWith('/__sandbox') ? `${t.sandbox.origin}${path}` : `${t.sandbox.baseUrl}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function ok(t: TestApp, method: string, path: string, key: string | undefined, body?: unknown): Promise<Json> {
  const r = await sandbox(t, method, path, key, body);
  if (r.status >= 300) throw new Error(`sandbox ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data as Json;
}

/** What the widget posts for the session (tokenized card, fresh acceptance, the session's signature). */
async function widgetBody(t: TestApp, s: Json, card: string): Promise<Json> {
  const pub = t.sandbox.keys.publicKey;
  const merchant = await ok(t, 'GET', `/merchants/${pub}`, pub);
  const token = await ok(t, 'POST', '/tokens/cards', pub, {
    number: card,
    cvc: '123',
    exp_month: '12',
    exp_year: '30',
    card_holder: 'Pedro Pérez',
  });
  return {
    acceptance_token: merchant.presigned_acceptance.acceptance_token,
    accept_personal_auth: merchant.presigned_personal_data_auth.acceptance_token,
    amount_in_cents: s.amount_in_cents,
    currency: s.currency,
    reference: s.wompi_reference,
    signature: s.signature.integrity,
    customer_email: 'comprador@example.com',
    ...(s.expiration_time ? { expiration_time: s.expiration_time } : {}),
    payment_method: { type: 'CARD', token: token.id, installments: 1 },
  };
}

describe('checkout: several Wompi transactions for one reference (widget retries)', () => {
  let t: TestApp;
  let errors: jest.SpyInstance;
  let warns: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
    warns = jest.spyOn(Logger.prototype, 'warn');
  });
  afterEach(() => {
    errors.mockRestore();
    warns.mockRestore();
  });
  afterAll(async () => {
    await t?.close();
  });

  const session = async (over: Json = {}) => {
    const r = await post(
      t,
      '/v1/checkout-sessions',
      {
        amount_in_cents: 4_200_000,
        currency: 'COP',
        expiration_time: new Date(Date.now() + 600_000).toISOString(),
        ...over,
      },
      { key: newKey() },
    );
    expect(r.status).toBe(201);
    return r.body;
  };
  const paymentRow = async (id: string) =>
    (
      await pgQuery<{ status: string; wompi_transaction_id: string | null }>(
        t.db.url,
        'select status, wompi_transaction_id from payments where id = $1',
        [id],
      )
    )[0];
  /** outbox rows of the payment; a superseded one (held failure an approval overtook) is marked */
  const events = async (id: string) =>
    (
      await pgQuery<{ event_type: string; status: string }>(
        t.db.url,
        'select event_type, status from outbox where aggregate_id = $1 order by id',
        [id],
      )
    ).map((r) => (r.status === 'SUPERSEDED' ? `${r.event_type}:SUPERSEDED` : r.event_type));
  const attempts = (id: string) =>
    pgQuery<{ wompi_transaction_id: string; status: string }>(
      t.db.url,
      'select wompi_transaction_id, status from payment_attempts where payment_id = $1 order by created_at, id',
      [id],
    );
  const anomalies = (id: string) =>
    pgQuery<{ kind: string; source: string; wompi_transaction_id: string; expected: Json; actual: Json }>(
      t.db.url,
      'select kind, source, wompi_transaction_id, expected, actual from payment_anomalies where payment_id = $1 order by id',
      [id],
    );
  /** the widget payment, settled on our side as `status` */
  const paid = async (s: Json, status: Final) => {
    const tx = await ok(t, 'POST', '/transactions', t.sandbox.keys.publicKey, await widgetBody(t, s, CARDS[status]));
    await waitFor(`payment ${s.id} ${status}`, async () => (await paymentRow(s.id)).status === status, 15_000);
    return tx;
  };
  /** the widget's reintento, and its webhook settled in our inbox */
  const retried = async (tx: Json, status: Final) => {
    const retry = await ok(t, 'POST', `/__sandbox/transactions/${tx.id}/retry`, undefined, { status });
    expect(retry).toMatchObject({ reference: tx.reference, amount_in_cents: tx.amount_in_cents, status: 'PENDING' });
    expect(retry.id).not.toBe(tx.id);
    const row = await waitFor(
      `the retry's ${status} event settled`,
      async () => {
        const r = await inboxRow(t, `transaction.updated:${retry.id}:${status}`);
        return r && !['RECEIVED', 'FAILED'].includes(r.status) && r;
      },
      15_000,
    );
    return { retry, inboxStatus: row.status };
  };

  it('a DECLINED payment becomes APPROVED when a buyer retry is approved: the held declined superseded, approved once', async () => {
    const s = await session();
    const first = await paid(s, 'DECLINED');
    const { retry, inboxStatus } = await retried(first, 'APPROVED');
    expect(inboxStatus).toBe('PROCESSED');
    expect(await paymentRow(s.id)).toEqual({ status: 'APPROVED', wompi_transaction_id: retry.id });
    expect(await events(s.id)).toEqual(['transaction.declined:SUPERSEDED', 'transaction.approved']);
    expect(await attempts(s.id)).toEqual([
      { wompi_transaction_id: first.id, status: 'DECLINED' },
      { wompi_transaction_id: retry.id, status: 'APPROVED' },
    ]);
    expect(await anomalies(s.id)).toEqual([]);
    const warned = warns.mock.calls.find(([ctx]) => (ctx as Json)?.payment_id === s.id);
    expect(warned).toEqual([
      { payment_id: s.id, wompi_transaction_id: retry.id, from: 'DECLINED', to: 'APPROVED', source: 'webhook' },
      'a later attempt approved a payment that had failed',
    ]);
    // the record shows both attempts
    const view = await fetch(`${t.url}/v1/transactions/${s.id}`, { headers: t.auth });
    expect(((await view.json()) as Json).attempts.map((a: Json) => a.status).sort()).toEqual(['APPROVED', 'DECLINED']);
  });

  it('an ERROR payment becomes APPROVED the same way: the held error superseded, approved', async () => {
    const s = await session();
    const first = await paid(s, 'ERROR');
    const { retry } = await retried(first, 'APPROVED');
    expect(await paymentRow(s.id)).toEqual({ status: 'APPROVED', wompi_transaction_id: retry.id });
    expect(await events(s.id)).toEqual(['transaction.error:SUPERSEDED', 'transaction.approved']);
    expect(await anomalies(s.id)).toEqual([]);
  });

  it('the other order: a retry DECLINED after the approval leaves the payment APPROVED with one event', async () => {
    const s = await session();
    const first = await paid(s, 'APPROVED');
    const { retry, inboxStatus } = await retried(first, 'DECLINED');
    expect(inboxStatus).toBe('PROCESSED');
    expect(await paymentRow(s.id)).toEqual({ status: 'APPROVED', wompi_transaction_id: first.id });
    expect(await events(s.id)).toEqual(['transaction.approved']);
    expect(await attempts(s.id)).toEqual([
      { wompi_transaction_id: first.id, status: 'APPROVED' },
      { wompi_transaction_id: retry.id, status: 'DECLINED' },
    ]);
    expect(await anomalies(s.id)).toEqual([]);
  });

  it('a second APPROVED transaction for the reference is a duplicate approval: alerted, payment untouched, one event', async () => {
    const s = await session();
    const first = await paid(s, 'APPROVED');
    const metricBefore = await metricValue(t, 'payments_anomalies_total', '{kind="duplicate_approval"}');
    const { retry, inboxStatus } = await retried(first, 'APPROVED');
    expect(inboxStatus).toBe('PROCESSED');

    expect(await anomalies(s.id)).toEqual([
      {
        kind: 'duplicate_approval',
        source: 'webhook',
        wompi_transaction_id: retry.id,
        expected: {
          status: 'APPROVED',
          payment_status: 'APPROVED',
          approved_wompi_transaction_id: first.id,
          approved_attempt_status: 'APPROVED',
        },
        actual: { reference: s.wompi_reference, amount_in_cents: 4_200_000, currency: 'COP', status: 'APPROVED' },
      },
    ]);
    expect(await metricValue(t, 'payments_anomalies_total', '{kind="duplicate_approval"}')).toBe(metricBefore + 1);
    const alert = errors.mock.calls.find(([ctx]) => (ctx as Json)?.kind === 'duplicate_approval');
    expect(alert?.[0]).toEqual({
      payment_id: s.id,
      wompi_transaction_id: retry.id,
      approved_wompi_transaction_id: first.id,
      kind: 'duplicate_approval',
      source: 'webhook',
      recorded_status: 'APPROVED',
      reported_status: 'APPROVED',
    });
    expect(JSON.stringify(alert)).not.toMatch(/@|comprador|Pedro/); // ids only

    // the payment is as it was: the first transaction, one transaction.approved, one fulfilment
    expect(await paymentRow(s.id)).toEqual({ status: 'APPROVED', wompi_transaction_id: first.id });
    expect(await events(s.id)).toEqual(['transaction.approved']);
    expect(await pgQuery(t.db.url, 'select status from fulfilments where payment_id = $1', [s.id])).toEqual([
      { status: 'APPROVED' },
    ]);
    expect((await attempts(s.id)).map((a) => a.status)).toEqual(['APPROVED', 'APPROVED']);

    // the same report again (confirm fetches it from Wompi) records nothing more
    const confirmed = await fetch(`${t.url}/v1/transactions/confirm`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ wompi_transaction_id: retry.id }),
    });
    expect(confirmed.status).toBe(200);
    expect(await anomalies(s.id)).toHaveLength(1);
  });

  it('a session past its expiration_time cannot be paid: Wompi refuses, the session stays PENDING with no attempt', async () => {
    const expiration = new Date(Date.now() + 30_000).toISOString();
    const s = await session({ expiration_time: expiration });
    const body = await widgetBody(t, s, CARDS.APPROVED);
    // the buyer comes back after the expiration (the in-process sandbox reads the clock through Date.now)
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.parse(expiration) + 1);
    let refused: { status: number; body: Json };
    try {
      refused = await sandbox(t, 'POST', '/transactions', t.sandbox.keys.publicKey, body);
    } finally {
      clock.mockRestore();
    }
    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({
      type: 'INPUT_VALIDATION_ERROR',
      messages: { expiration_time: ['La fecha de expiración ya pasó'] },
    });
    expect(
      (await sandbox(t, 'GET', `/transactions?reference=${s.wompi_reference}`, t.sandbox.keys.privateKey)).body.data,
    ).toEqual([]);
    expect(await paymentRow(s.id)).toEqual({ status: 'PENDING', wompi_transaction_id: null });
    expect(await attempts(s.id)).toEqual([]);

    // the same body before the expiration is paid (the refusal was the clock, nothing else)
    await sandbox(t, 'POST', '/transactions', t.sandbox.keys.publicKey, await widgetBody(t, s, CARDS.APPROVED)).then(
      (r) => expect(r.status).toBe(201),
    );
    await waitFor('the session paid', async () => (await paymentRow(s.id)).status === 'APPROVED', 15_000);
  });
});
