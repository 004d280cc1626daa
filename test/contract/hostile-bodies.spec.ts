/* Service contract, HTTP API: a bad field is a 400 problem+json with an `errors` map — never a 500.
 * Hostile JSON that parses fine but Postgres or the validator cannot take: NUL characters,
 * unpaired surrogates, absurd nesting. */
import { startTestApp, TestApp } from '../support/app';

describe('contract: hostile request bodies are 400 with errors, not 500', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const post = (path: string, raw: string, key: string) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: raw,
    });

  const cases: [string, string, string][] = [
    [
      'a NUL in a metadata value',
      '{"amount_in_cents":2500000,"currency":"COP","metadata":{"note":"a\\u0000b"}}',
      'metadata.note',
    ],
    ['a NUL in a metadata key', '{"amount_in_cents":2500000,"currency":"COP","metadata":{"a\\u0000":1}}', 'metadata'],
    ['an unpaired surrogate', '{"amount_in_cents":2500000,"currency":"COP","metadata":{"x":"\\ud800"}}', 'metadata.x'],
    [
      'a NUL in customer_data',
      '{"amount_in_cents":2500000,"currency":"COP","customer_data":{"full_name":"Juana\\u0000"}}',
      'customer_data.full_name',
    ],
  ];

  it.each(cases)('checkout session with %s', async (_label, raw, field) => {
    const key = `hostile-${Math.random()}`;
    const res = await post('/v1/checkout-sessions', raw, key);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { errors: Record<string, string[]> };
    expect(body).toMatchObject({
      status: 400,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(Object.keys(body.errors)).toContain(field);
    // the refusal is stored like any 400: the same request replays it
    const again = await post('/v1/checkout-sessions', raw, key);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  // refused at the door, before the Idempotency-Key is claimed: nothing stored, nothing replayed
  // (test/contract/deep-json.spec.ts covers every route and 5,000 levels)
  it.each(['/v1/transactions', '/v1/checkout-sessions'])('%s with metadata nested 3000 deep', async (path) => {
    const res = await post(
      path,
      `{"amount_in_cents":2500000,"currency":"COP","metadata":${deep(3000)}}`,
      `hostile-deep-${Math.random()}`,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: object }).errors).toHaveProperty('metadata');
  });
});
