/* Helpers for the transactions suites: talk to our API and to the sandbox (as the buyer's
 * browser and as an independent observer with the private key). */
import { randomUUID } from 'node:crypto';
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { OTHER_API_KEY, TestApp, waitFor } from '../support/app';

export const APPROVED_CARD = '4242424242424242';
export const DECLINED_CARD = '4111111111111111';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

type Json = Record<string, unknown>;

async function request<T = Json>(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpAnswer<T>> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Fresh acceptance tokens from the sandbox merchant endpoint (what GET /v1/acceptance relays). */
export async function acceptanceTokens(
  sandbox: RunningSandbox,
): Promise<{ acceptance_token: string; accept_personal_auth: string }> {
  const r = await request<{
    data: {
      presigned_acceptance: { acceptance_token: string };
      presigned_personal_data_auth: { acceptance_token: string };
    };
  }>('GET', `${sandbox.baseUrl}/merchants/${sandbox.keys.publicKey}`, {});
  if (r.status !== 200) throw new Error(`merchant endpoint answered ${r.status}`);
  return {
    acceptance_token: r.body.data.presigned_acceptance.acceptance_token,
    accept_personal_auth: r.body.data.presigned_personal_data_auth.acceptance_token,
  };
}

/** A card token, tokenised at the sandbox with the public key (as the browser would). */
export async function cardToken(sandbox: RunningSandbox, number = APPROVED_CARD): Promise<string> {
  const r = await request<{ data: { id: string } }>(
    'POST',
    `${sandbox.baseUrl}/tokens/cards`,
    { authorization: `Bearer ${sandbox.keys.publicKey}` },
    {
      number,
      cvc: '123',
      exp_month: '12',
      exp_year: '35',
      card_holder: 'Juana Perez',
    },
  );
  if (r.status !== 201 && r.status !== 200)
    throw new Error(`card tokenisation answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.data.id;
}

/** Every Wompi transaction carrying a reference, seen by an independent observer (private key). */
export async function wompiTransactions(sandbox: RunningSandbox, reference: string): Promise<Json[]> {
  const r = await request<{ data: Json[] }>(
    'GET',
    `${sandbox.baseUrl}/transactions?reference=${encodeURIComponent(reference)}`,
    { authorization: `Bearer ${sandbox.keys.privateKey}` },
  );
  if (r.status !== 200) throw new Error(`sandbox search answered ${r.status}`);
  return r.body.data;
}

export async function sandboxFaults(sandbox: RunningSandbox, faults: Json): Promise<void> {
  const r = await request('PUT', `${sandbox.origin}/__sandbox/faults`, {}, faults);
  if (r.status !== 200) throw new Error(`sandbox faults answered ${r.status}: ${JSON.stringify(r.body)}`);
}

export async function sandboxDecide(
  sandbox: RunningSandbox,
  wompiId: string,
  status: 'APPROVED' | 'DECLINED' | 'ERROR',
): Promise<void> {
  const r = await request('POST', `${sandbox.origin}/__sandbox/transactions/${wompiId}/decide`, {}, { status });
  if (r.status !== 200) throw new Error(`sandbox decide answered ${r.status}: ${JSON.stringify(r.body)}`);
}

/** A valid create body around `payment_method` (fresh acceptance tokens each time). */
export async function createBody(sandbox: RunningSandbox, extra: Json): Promise<Json> {
  return {
    amount_in_cents: 2_490_000,
    currency: 'COP',
    customer_email: 'buyer@example.com',
    ...(await acceptanceTokens(sandbox)),
    metadata: { order_id: `ord_${randomUUID().slice(0, 8)}` },
    ...extra,
  };
}

export async function cardBody(sandbox: RunningSandbox, number = APPROVED_CARD, extra: Json = {}): Promise<Json> {
  return createBody(sandbox, {
    payment_method: { type: 'CARD', token: await cardToken(sandbox, number), installments: 1 },
    ...extra,
  });
}

export class Api {
  constructor(
    private readonly t: TestApp,
    private readonly authorization = t.auth.Authorization,
  ) {}

  static other(t: TestApp): Api {
    return new Api(t, `Bearer ${OTHER_API_KEY}`);
  }

  post<T = Json>(path: string, body: unknown, idempotencyKey?: string): Promise<HttpAnswer<T>> {
    return request<T>(
      'POST',
      `${this.t.url}${path}`,
      { authorization: this.authorization, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body,
    );
  }

  get<T = Json>(path: string): Promise<HttpAnswer<T>> {
    return request<T>('GET', `${this.t.url}${path}`, { authorization: this.authorization });
  }

  create<T = Json>(body: unknown, idempotencyKey: string = randomUUID()): Promise<HttpAnswer<T>> {
    return this.post<T>('/v1/transactions', body, idempotencyKey);
  }

  /** Our record once it reaches one of `statuses` (webhooks, poll or confirm move it). */
  async waitForStatus(id: string, statuses: string[], timeoutMs = 15_000): Promise<Json> {
    return waitFor(
      `transaction ${id} to be ${statuses.join('|')}`,
      async () => {
        const r = await this.get(`/v1/transactions/${id}`);
        return statuses.includes(String(r.body.status)) ? r.body : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Our record once final; confirm (fetch from Wompi) is used when webhooks have not moved it. */
  async settle(id: string, statuses: string[], timeoutMs = 15_000): Promise<Json> {
    return waitFor(
      `transaction ${id} to settle as ${statuses.join('|')}`,
      async () => {
        const r = await this.get(`/v1/transactions/${id}`);
        if (statuses.includes(String(r.body.status))) return r.body;
        if (r.body.wompi_transaction_id) {
          const c = await this.post('/v1/transactions/confirm', { wompi_transaction_id: r.body.wompi_transaction_id });
          if (statuses.includes(String(c.body.status))) return c.body;
        }
        return undefined;
      },
      timeoutMs,
      200,
    );
  }
}

/** Creates a transaction at the sandbox directly (not through us), e.g. a late or foreign one. */
export async function createAtWompi(
  sandbox: RunningSandbox,
  reference: string,
  amountInCents: number,
  cardNumber = APPROVED_CARD,
): Promise<Json> {
  const { integritySignature } = await import('../../src/wompi/signatures');
  const body = {
    reference,
    amount_in_cents: amountInCents,
    currency: 'COP',
    customer_email: 'buyer@example.com',
    ...(await acceptanceTokens(sandbox)),
    payment_method: { type: 'CARD', token: await cardToken(sandbox, cardNumber), installments: 1 },
    signature: integritySignature({ reference, amountInCents, currency: 'COP' }, sandbox.keys.integritySecret),
  };
  const r = await request<{ data: Json }>(
    'POST',
    `${sandbox.baseUrl}/transactions`,
    { authorization: `Bearer ${sandbox.keys.privateKey}` },
    body,
  );
  if (r.status !== 201) throw new Error(`sandbox create answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.data;
}
