/* Helpers for the payment-source suites: tokens made at the sandbox as the buyer's browser
 * would (public key), bodies for POST /v1/payment-sources, and an independent look at Wompi. */
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { waitFor } from '../support/app';
import { acceptanceTokens, APPROVED_CARD, cardToken } from '../transactions/support';

type Json = Record<string, unknown>;

/** docs/wompi.md#sandbox-test-data / docs/sandbox.md#test-data: the buyer approves the subscription for this phone, declines for the other. */
export const NEQUI_APPROVES = '3991111111';
export const NEQUI_DECLINES = '3992222222';

/** A Nequi token once the buyer has answered in the app (APPROVED or DECLINED). */
export async function nequiToken(sandbox: RunningSandbox, phone: string): Promise<{ id: string; status: string }> {
  const created = await fetch(`${sandbox.baseUrl}/tokens/nequi`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.keys.publicKey}` },
    body: JSON.stringify({ phone_number: phone }),
  });
  if (created.status !== 200 && created.status !== 201)
    throw new Error(`Nequi tokenisation answered ${created.status}`);
  const id = ((await created.json()) as { data: { id: string } }).data.id;
  return waitFor(`Nequi token ${id} to be answered`, async () => {
    const r = await fetch(`${sandbox.baseUrl}/tokens/nequi/${id}`, {
      headers: { authorization: `Bearer ${sandbox.keys.publicKey}` },
    });
    const t = ((await r.json()) as { data: { id: string; status: string } }).data;
    return t.status === 'PENDING' ? undefined : t;
  });
}

export async function cardSourceBody(sandbox: RunningSandbox, extra: Json = {}): Promise<Json> {
  return {
    type: 'CARD',
    token: await cardToken(sandbox, APPROVED_CARD),
    customer_email: 'buyer@example.com',
    ...(await acceptanceTokens(sandbox)),
    ...extra,
  };
}

export async function nequiSourceBody(
  sandbox: RunningSandbox,
  phone = NEQUI_APPROVES,
  extra: Json = {},
): Promise<Json> {
  return {
    type: 'NEQUI',
    token: (await nequiToken(sandbox, phone)).id,
    customer_email: 'buyer@example.com',
    ...(await acceptanceTokens(sandbox)),
    ...extra,
  };
}

/** The source as Wompi holds it, read with the private key (404 → undefined). */
export async function wompiSource(sandbox: RunningSandbox, id: number): Promise<Json | undefined> {
  const r = await fetch(`${sandbox.baseUrl}/payment_sources/${id}`, {
    headers: { authorization: `Bearer ${sandbox.keys.privateKey}` },
  });
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`sandbox GET /payment_sources/${id} answered ${r.status}`);
  return ((await r.json()) as { data: Json }).data;
}
