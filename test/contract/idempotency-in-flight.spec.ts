/* Service contract, Idempotency-Key: 409 while the first request is in flight, with a Retry-After
 * header saying when to come back (as the problem's retry_after_seconds does). */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { acceptanceTokens, cardToken, sandboxFaults } from '../transactions/support';

describe('contract: Idempotency-Key in flight', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: unknown, key: string) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });

  it('answers 409 with Retry-After while the first request is in flight', async () => {
    const [acc, token] = await Promise.all([acceptanceTokens(t.sandbox), cardToken(t.sandbox)]);
    await sandboxFaults(t.sandbox, { latency_ms: 1500 });
    try {
      const key = `inflight-${Math.random()}`;
      const body = {
        payment_method: { type: 'CARD', token, installments: 1 },
        amount_in_cents: 2500000,
        currency: 'COP',
        customer_email: 'b@example.com',
        ...acc,
      };
      const first = post('/v1/transactions', body, key);
      const second = await waitFor(
        'the key to be in flight',
        async () => {
          const r = await post('/v1/transactions', body, key);
          return r.status === 409 ? r : undefined;
        },
        5000,
        50,
      );
      expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await first).status).toBe(201);
    } finally {
      await sandboxFaults(t.sandbox, {});
    }
  });
});
