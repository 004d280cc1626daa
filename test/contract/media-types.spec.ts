/* Issue 11, finding 3: the media-type gate and the JSON parser share one definition. Every body
 * the gate admits is parsed; every other body is 415 problem+json naming `Content-Type` — so a
 * `{"amount_in_cents":…}` sent as application/merge-patch+json can never reach a handler as `{}`
 * (a partial void turned into a full one). Bytes that are not UTF-8 are 400 naming `body`, on
 * the internal routes and on Wompi's webhook route alike. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, APPROVED_CARD, cardBody } from '../transactions/support';

type Answer = { status: number; type: string; body: Record<string, unknown> };

async function send(
  t: TestApp,
  path: string,
  body: string | Buffer,
  headers: Record<string, string | undefined>,
  auth = true,
): Promise<Answer> {
  const h: Record<string, string> = { ...(auth ? t.auth : {}) };
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: h, body });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe('request media types (one definition for the gate and the parser)', () => {
  let t: TestApp;
  let api: Api;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('never turns a partial void sent as application/merge-patch+json into a full void', async () => {
    const created = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    const id = String(created.body.id);
    await api.settle(id, ['APPROVED']);
    const r = await send(t, `/v1/transactions/${id}/void`, JSON.stringify({ amount_in_cents: 150_000 }), {
      'content-type': 'application/merge-patch+json',
      'idempotency-key': randomUUID(),
    });
    expect(r.status).toBe(415);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(Object.keys(r.body.errors as object)).toEqual(['Content-Type']);
    expect((await api.get(`/v1/transactions/${id}`)).body.status).toBe('APPROVED');
    const wompiId = String((await api.get(`/v1/transactions/${id}`)).body.wompi_transaction_id);
    const atWompi = (await (await fetch(`${t.sandbox.baseUrl}/transactions/${wompiId}`)).json()) as {
      data: { status: string };
    };
    expect(atWompi.data.status).toBe('APPROVED');
  });

  const refused: [string, string | undefined][] = [
    ['application/merge-patch+json', 'application/merge-patch+json'],
    ['application/vnd.api+json', 'application/vnd.api+json'],
    ['application/problem+json', 'application/problem+json'],
    ['charset latin1', 'application/json; charset=latin1'],
    ['charset iso-8859-1', 'application/json; charset=ISO-8859-1'],
    ['charset utf-16', 'application/json; charset=utf-16'],
    ['charset utf-16le', 'application/json; charset=utf-16le'],
    ['text/plain', 'text/plain'],
    ['text/json', 'text/json'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['no Content-Type', undefined],
    ['a garbled Content-Type', 'json'],
  ];

  it.each(refused)(
    'refuses a JSON body sent as %s with 415 naming Content-Type, and nothing is claimed',
    async (_what, contentType) => {
      const key = randomUUID();
      for (const path of [
        '/v1/checkout-sessions',
        '/v1/transactions',
        '/v1/payment-sources',
        '/v1/transactions/confirm',
      ]) {
        const r = await send(t, path, JSON.stringify({ amount_in_cents: 2_490_000, currency: 'COP' }), {
          'content-type': contentType,
          'idempotency-key': key,
        });
        expect([path, r.status]).toEqual([path, 415]);
        expect(r.type).toMatch(/^application\/problem\+json/);
        expect(r.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        expect((r.body.errors as Record<string, string[]>)['Content-Type'][0]).toMatch(/application\/json/);
      }
      expect(await pgQuery(t.db.url, 'SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key])).toEqual([
        { n: 0 },
      ]);
    },
  );

  it.each([
    ['application/json', 'application/json'],
    ['charset utf-8', 'application/json; charset=utf-8'],
    ['charset UTF-8 quoted', 'application/json;charset="UTF-8"'],
    ['upper-case type', 'Application/JSON'],
  ])('parses a body sent as %s (it reaches validation)', async (_what, contentType) => {
    const r = await send(t, '/v1/checkout-sessions', JSON.stringify({ amount_in_cents: 1, currency: 'COP' }), {
      'content-type': contentType,
      'idempotency-key': randomUUID(),
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(r.body.errors as object)).toContain('amount_in_cents');
  });

  it('refuses a body that is not UTF-8 with 400 naming body (no U+FFFD substitution)', async () => {
    // "Jos\xE9" is latin1 for José: valid JSON structure, invalid UTF-8 bytes
    const bytes = Buffer.concat([
      Buffer.from('{"amount_in_cents":2490000,"currency":"COP","customer_data":{"full_name":"Jos'),
      Buffer.from([0xe9]),
      Buffer.from('"}}'),
    ]);
    const r = await send(t, '/v1/checkout-sessions', bytes, {
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('MALFORMED_BODY');
    expect(Object.keys(r.body.errors as object)).toEqual(['body']);
    expect((r.body.errors as Record<string, string[]>).body[0]).toMatch(/UTF-8/);
  });

  it("refuses a webhook body that is not UTF-8 with 400 naming body (it cannot be Wompi's)", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"event":"transaction.updated","data":{"x":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    const r = await send(t, '/v1/webhooks/wompi', bytes, { 'content-type': 'application/json' }, false);
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('MALFORMED_BODY');
    expect(Object.keys(r.body.errors as object)).toEqual(['body']);
  });

  it('still takes a body-less void and an empty JSON object', async () => {
    const none = await fetch(`${t.url}/v1/transactions/00000000-0000-4000-8000-000000000000/void`, {
      method: 'POST',
      headers: { ...t.auth, 'idempotency-key': randomUUID() },
    });
    expect(none.status).toBe(404);
    const empty = await send(t, '/v1/transactions/00000000-0000-4000-8000-000000000000/void', '{}', {
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    });
    expect(empty.status).toBe(404);
  });
});
