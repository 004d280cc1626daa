/* A checkout session paid in Wompi's widget: the buyer's transaction is created at the sandbox
 * directly (as the widget would, with the session's reference, amount and signature) and our
 * payment follows through the webhook pipeline. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Json, newKey, post } from '../idempotency/helpers';

async function sandboxCall(t: TestApp, method: string, path: string, key: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${t.sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Json;
  if (res.status >= 300) throw new Error(`sandbox ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data as Json;
}

/** What the widget does with the session: tokenize the card, accept the terms, pay. */
async function payLikeTheWidget(t: TestApp, s: Json, cardNumber: string): Promise<Json> {
  const pub = t.sandbox.keys.publicKey;
  const merchant = await sandboxCall(t, 'GET', `/merchants/${pub}`, pub);
  const token = await sandboxCall(t, 'POST', '/tokens/cards', pub, {
    number: cardNumber,
    cvc: '123',
    exp_month: '12',
    exp_year: '30',
    card_holder: 'Pedro Pérez',
  });
  return sandboxCall(t, 'POST', '/transactions', pub, {
    acceptance_token: merchant.presigned_acceptance.acceptance_token,
    accept_personal_auth: merchant.presigned_personal_data_auth.acceptance_token,
    amount_in_cents: s.amount_in_cents,
    currency: s.currency,
    reference: s.wompi_reference,
    signature: s.signature.integrity,
    customer_email: 'comprador@example.com',
    ...(s.expiration_time ? { expiration_time: s.expiration_time } : {}),
    payment_method: { type: 'CARD', token: token.id, installments: 1 },
  });
}

describe('a checkout session paid in the widget', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['4242424242424242', 'APPROVED'],
    ['4111111111111111', 'DECLINED'],
  ])('card %s → our payment becomes %s through the webhook', async (card, expected) => {
    const created = await post(
      t,
      '/v1/checkout-sessions',
      {
        amount_in_cents: 3_500_000,
        currency: 'COP',
        expiration_time: new Date(Date.now() + 600_000).toISOString(),
        metadata: { order_id: `W-${expected}` },
      },
      { key: newKey() },
    );
    expect(created.status).toBe(201);
    // Wompi accepts the signature we produced (the sandbox verifies it like Wompi does)
    const tx = await payLikeTheWidget(t, created.body, card);
    expect(tx.reference).toBe(created.body.wompi_reference);

    const row = await waitFor(
      `payment ${created.body.id} to become ${expected}`,
      async () =>
        (
          await pgQuery<{ status: string; wompi_transaction_id: string }>(
            t.db.url,
            `select status, wompi_transaction_id from payments where id = $1 and status = $2`,
            [created.body.id, expected],
          )
        )[0],
      15_000,
    );
    expect(row.wompi_transaction_id).toBe(tx.id);
    const attempts = await pgQuery(
      t.db.url,
      `select wompi_transaction_id, status from payment_attempts where payment_id = $1`,
      [created.body.id],
    );
    expect(attempts).toEqual([{ wompi_transaction_id: tx.id, status: expected }]);
  });
});
