/* Service contract, HTTP API: a bad body is a 400 problem+json — never a 500. JSON nested
 * thousands of levels deep (≈10–25 KB, well under the body limits) is refused right after
 * body parsing, before auth, idempotency or the handler see it: nothing is written. */
import { pgQuery } from '../support/services';
import { startTestApp, TestApp } from '../support/app';

const DEPTH = 5000;
const deepArray = (n: number) => '['.repeat(n) + '1' + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

describe('contract: deeply nested JSON is 400 at the door, not 500', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, raw: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
    });
  const rows = async (table: string) =>
    Number((await pgQuery<{ n: string }>(t.db.url, `select count(*)::text as n from ${table}`))[0].n);

  const cases: [string, string, string, string][] = [
    [
      '/v1/transactions',
      'arrays',
      `{"amount_in_cents":2500000,"currency":"COP","metadata":{"a":${deepArray(DEPTH)}}}`,
      'metadata',
    ],
    [
      '/v1/transactions',
      'objects',
      `{"amount_in_cents":2500000,"currency":"COP","metadata":${deepObject(DEPTH)}}`,
      'metadata',
    ],
    [
      '/v1/checkout-sessions',
      'arrays',
      `{"amount_in_cents":2500000,"currency":"COP","metadata":{"a":${deepArray(DEPTH)}}}`,
      'metadata',
    ],
    [
      '/v1/checkout-sessions',
      'objects',
      `{"amount_in_cents":2500000,"currency":"COP","metadata":${deepObject(DEPTH)}}`,
      'metadata',
    ],
  ];

  it.each(cases)(
    '%s with %s nested 5000 deep → 400 naming the field, no idempotency row',
    async (path, _kind, raw, field) => {
      const before = await rows('idempotency_keys');
      const key = `deep-${Math.random()}`;
      const res = await post(path, raw, { ...t.auth, 'idempotency-key': key });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as {
        status: number;
        code: string;
        errors: Record<string, string[]>;
        error_id?: string;
      };
      expect(body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(body.error_id).toBeUndefined();
      expect(body.errors[field]).toEqual([expect.stringMatching(/nested deeper than 32 levels/)]);
      expect(await rows('idempotency_keys')).toBe(before);
      // refused before the idempotency claim: the same key is still free for a proper body
      const again = await post(path, raw, { ...t.auth, 'idempotency-key': key });
      expect(again.status).toBe(400);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
    },
  );

  it('refuses a deep body before authentication (nothing past the parser sees it)', async () => {
    const res = await post('/v1/transactions', `{"metadata":{"a":${deepArray(DEPTH)}}}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('still accepts nesting up to the limit (the door only refuses what is deeper)', async () => {
    // metadata is level 1, its array level 2: 31 nested arrays end at level 32, the limit
    const res = await post(
      '/v1/checkout-sessions',
      `{"amount_in_cents":2500000,"currency":"COP","metadata":{"a":${deepArray(31)}}}`,
      { ...t.auth, 'idempotency-key': `deep-ok-${Math.random()}` },
    );
    expect(res.status).toBe(201);
    const over = await post(
      '/v1/checkout-sessions',
      `{"amount_in_cents":2500000,"currency":"COP","metadata":{"a":${deepArray(32)}}}`,
      { ...t.auth, 'idempotency-key': `deep-over-${Math.random()}` },
    );
    expect(over.status).toBe(400);
    expect(((await over.json()) as { errors: object }).errors).toEqual({
      metadata: ['must not be nested deeper than 32 levels'],
    });
  });

  it('/v1/webhooks/wompi (raw-body route) with a body nested 5000 deep → 400, nothing stored', async () => {
    const before = await rows('webhook_inbox');
    const raw = `{"event":"transaction.updated","data":{"transaction":${deepObject(DEPTH)}},"environment":"test","timestamp":1772366402,"signature":{"checksum":"00","properties":["transaction.id"]}}`;
    const res = await post('/v1/webhooks/wompi', raw);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { errors: Record<string, string[]> }).errors).toHaveProperty('data');
    const arrays = await post('/v1/webhooks/wompi', deepArray(DEPTH));
    expect(arrays.status).toBe(400);
    expect(await rows('webhook_inbox')).toBe(before);
  });
});

describe('contract: a JSON body that is not an object is 400 saying so', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, raw: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
    });

  it.each([
    ['/v1/transactions', 'null'],
    ['/v1/transactions', ' null '],
    ['/v1/checkout-sessions', 'null'],
    ['/v1/transactions/confirm', 'null'],
    ['/v1/transactions', '"a string"'],
    ['/v1/transactions', '42'],
    ['/v1/checkout-sessions', 'true'],
    ['/v1/checkout-sessions', '[]'],
    ['/v1/transactions', deepArray(DEPTH)],
  ])('%s with body %s → 400 "must be a JSON object", not "not valid JSON"', async (path, raw) => {
    const res = await post(path, raw, { ...t.auth, 'idempotency-key': `not-object-${Math.random()}` });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; detail: string; errors: Record<string, string[]> };
    expect(body).toMatchObject({
      code: 'MALFORMED_BODY',
      detail: 'The request body must be a JSON object',
      errors: { body: ['the request body must be a JSON object'] },
    });
  });

  it('still calls a syntax error invalid JSON, and the webhook names its envelope', async () => {
    const broken = await post('/v1/transactions', 'nul', { ...t.auth, 'idempotency-key': `broken-${Math.random()}` });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toBe('The request body is not valid JSON');
    const hook = await post('/v1/webhooks/wompi', 'null');
    expect(hook.status).toBe(400);
    expect(((await hook.json()) as { errors: object }).errors).toEqual({ body: ['the body must be a JSON object'] });
  });
});
