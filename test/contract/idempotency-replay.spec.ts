/* Service contract, Idempotency-Key: the same key and body get "the stored first response again",
 * byte for byte — not a re-serialisation with another key order. */
import { startTestApp, TestApp } from '../support/app';

describe('contract: Idempotency-Key replays', () => {
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

  it('replays the first response byte for byte', async () => {
    const key = `replay-${Math.random()}`;
    const body = {
      amount_in_cents: 2500000,
      currency: 'COP',
      customer_data: { email: 'b@example.com', full_name: 'Juana Pérez' },
      metadata: { zeta: 1, alpha: { b: 2, a: 1 } },
    };
    const first = await post('/v1/checkout-sessions', body, key);
    expect(first.status).toBe(201);
    const firstText = await first.text();
    const again = await post('/v1/checkout-sessions', body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstText);
  });

  it('replays a stored 4xx byte for byte', async () => {
    const key = `replay-400-${Math.random()}`;
    const body = { amount_in_cents: 1, currency: 'USD', metadata: {} };
    const first = await post('/v1/checkout-sessions', body, key);
    expect(first.status).toBe(400);
    const firstText = await first.text();
    const again = await post('/v1/checkout-sessions', body, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await again.text()).toBe(firstText);
  });
});
