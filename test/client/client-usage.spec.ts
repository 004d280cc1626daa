/* The TypeScript client (clients/typescript) against the running service and the sandbox over
 * real HTTP: acceptance tokens, a card payment created with an Idempotency-Key (sent twice: one
 * payment), read back, and typed errors (400 naming the field, 401, 404, 422 for a key reused
 * with another body). */
import {
  createPaymentsClient,
  newIdempotencyKey,
  PaymentsApiError,
  PaymentsAuthError,
  PaymentsConflictError,
  PaymentsNotFoundError,
  PaymentsValidationError,
  type CreateTransactionInput,
  type PaymentsClient,
} from '../../clients/typescript/src';
import { startTestApp, TEST_API_KEY, TestApp, waitFor } from '../support/app';
import { cardToken, sandboxFaults } from '../transactions/support';

describe('client: the TypeScript client against the running service', () => {
  let t: TestApp;
  let client: PaymentsClient;
  const requests: { method: string; url: string; idempotencyKey: string | null }[] = [];

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    client = createPaymentsClient({
      baseUrl: t.url,
      apiKey: TEST_API_KEY,
      // the real fetch, recording what went over the wire
      fetch: (request: Request) => {
        requests.push({
          method: request.method,
          url: request.url,
          idempotencyKey: request.headers.get('idempotency-key'),
        });
        return fetch(request);
      },
    });
  });
  afterAll(async () => t?.close());

  async function cardPayment(): Promise<CreateTransactionInput> {
    const acceptance = await client.acceptance();
    return {
      amount_in_cents: 2_490_000,
      currency: 'COP',
      customer_email: 'buyer@example.com',
      acceptance_token: acceptance.acceptance_token,
      accept_personal_auth: acceptance.accept_personal_auth,
      payment_method: { type: 'CARD', token: await cardToken(t.sandbox), installments: 1 },
    };
  }

  it('creates a card payment with an Idempotency-Key, gets the same payment for the same key, and reads it back', async () => {
    const body = await cardPayment();
    const idempotencyKey = newIdempotencyKey();
    const created = await client.transactions.create(body, { idempotencyKey });
    expect(created).toMatchObject({ amount_in_cents: 2_490_000, currency: 'COP', payment_method_type: 'CARD' });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests.at(-1)).toEqual({ method: 'POST', url: `${t.url}/v1/transactions`, idempotencyKey });

    const again = await client.transactions.create(body, { idempotencyKey });
    expect(again.id).toBe(created.id);

    const read = await client.transactions.get(created.id);
    expect(read).toMatchObject({ id: created.id, reference: created.reference, amount_in_cents: 2_490_000 });
    const page = await client.transactions.list({ reference: created.reference });
    expect(page.data.map((p) => p.id)).toEqual([created.id]);
  });

  it('generates an Idempotency-Key when none is given', async () => {
    const created = await client.transactions.create(await cardPayment());
    const sent = requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.transactions.get(created.id)).id).toBe(created.id);
  });

  it('retries a write while the same key is in flight (409), with the same Idempotency-Key, and gets that payment', async () => {
    const body = await cardPayment();
    const idempotencyKey = newIdempotencyKey();
    // the first request with this key hangs at Wompi (until WOMPI_TIMEOUT_MS): it is in flight
    await sandboxFaults(t.sandbox, { hang_next: { count: 1, method: 'POST', path: '/v1/transactions' } });
    const first = fetch(`${t.url}/v1/transactions`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
    await waitFor('the first request to reach Wompi', async () => {
      const faults = (await (await fetch(`${t.sandbox.origin}/__sandbox/faults`)).json()) as Record<string, unknown>;
      return !('hang_next' in faults);
    });
    const sent: number[] = [];
    const patient = createPaymentsClient({
      baseUrl: t.url,
      apiKey: TEST_API_KEY,
      retries: 10,
      maxRetryDelayMs: 1000,
      fetch: async (request: Request) => {
        expect(request.headers.get('idempotency-key')).toBe(idempotencyKey);
        const res = await fetch(request);
        sent.push(res.status);
        return res;
      },
    });
    const created = await patient.transactions.create(body, { idempotencyKey });
    const original = (await (await first).json()) as { id: string };
    expect(created.id).toBe(original.id);
    expect(sent[0]).toBe(409); // IDEMPOTENCY_KEY_IN_FLIGHT, retried after its Retry-After
    expect(sent.at(-1)).toBe(201); // the first request's answer, replayed
  });

  it('throws a PaymentsValidationError naming the field for a bad input (400)', async () => {
    const body = { ...(await cardPayment()), amount_in_cents: 10 };
    const idempotencyKey = newIdempotencyKey();
    const err = await client.transactions.create(body, { idempotencyKey }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentsValidationError);
    expect(err).toBeInstanceOf(PaymentsApiError);
    const e = err as PaymentsValidationError;
    expect(e).toMatchObject({
      kind: 'validation',
      status: 400,
      code: 'VALIDATION_FAILED',
      type: 'https://payments.internal/problems/validation-failed',
      title: 'Validation failed',
      idempotencyKey,
      retryable: false,
    });
    expect(Object.keys(e.errors)).toEqual(['amount_in_cents']);
    expect(e.field('amount_in_cents').length).toBeGreaterThan(0);
  });

  it('throws a PaymentsConflictError for a key reused with another body (422), without retrying it', async () => {
    const idempotencyKey = newIdempotencyKey();
    const first = await cardPayment();
    await client.transactions.create(first, { idempotencyKey });
    const before = requests.length;
    const err = await client.transactions
      .create({ ...first, amount_in_cents: 2_500_000 }, { idempotencyKey })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentsConflictError);
    expect(err).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_MISMATCH', kind: 'conflict' });
    expect(requests.length - before).toBe(1);
  });

  it('throws a PaymentsNotFoundError (404) and a PaymentsAuthError (401)', async () => {
    await expect(client.transactions.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      PaymentsNotFoundError,
    );
    const stranger = createPaymentsClient({ baseUrl: t.url, apiKey: 'not-a-key-of-ours-0123456789' });
    const err = await stranger.transactions.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentsAuthError);
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
