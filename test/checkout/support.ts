/* The buyer's side of a checkout session: what the Widget posts to Wompi (the sandbox) and the
 * Widget's "reintento" (sandbox admin), for the checkout suites. */
import { TestApp } from '../support/app';
import { Json } from '../idempotency/helpers';
import { RunningSandbox } from '../../src/sandbox/start-sandbox';

export const WIDGET_CARDS = {
  APPROVED: '4242424242424242',
  DECLINED: '4111111111111111',
  ERROR: '5555555555554444',
} as const;
export type WidgetOutcome = keyof typeof WIDGET_CARDS;

type SandboxHolder = Pick<TestApp, 'sandbox'> | { sandbox: RunningSandbox };

export async function sandboxCall(
  t: SandboxHolder,
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

export async function sandboxOk(
  t: SandboxHolder,
  method: string,
  path: string,
  key: string | undefined,
  body?: unknown,
): Promise<Json> {
  const r = await sandboxCall(t, method, path, key, body);
  if (r.status >= 300) throw new Error(`sandbox ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data as Json;
}

/** What the widget posts for the session (tokenized card, fresh acceptance, the session's signature). */
export async function widgetBody(t: SandboxHolder, s: Json, card: string): Promise<Json> {
  const pub = t.sandbox.keys.publicKey;
  const merchant = await sandboxOk(t, 'GET', `/merchants/${pub}`, pub);
  const token = await sandboxOk(t, 'POST', '/tokens/cards', pub, {
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

/** The buyer pays the session in the Widget; Wompi's answer (PENDING, finalised after the card delay). */
export async function payInWidget(t: SandboxHolder, s: Json, outcome: WidgetOutcome): Promise<Json> {
  return sandboxOk(t, 'POST', '/transactions', t.sandbox.keys.publicKey, await widgetBody(t, s, WIDGET_CARDS[outcome]));
}

/** The Widget's "reintento": another Wompi transaction with the same reference, finalised as `outcome`. */
export async function widgetRetry(t: SandboxHolder, tx: Json, outcome: WidgetOutcome): Promise<Json> {
  return sandboxOk(t, 'POST', `/__sandbox/transactions/${tx.id}/retry`, undefined, { status: outcome });
}
