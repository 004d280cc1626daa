/* POST /v1/payment-sources validation: 400 naming each field, before anything reaches Wompi
 * or our store. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api } from '../transactions/support';

type Json = Record<string, unknown>;
const JWT_A = 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NTA3fQ.c2lnbmF0dXJl';
const JWT_B = 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NDc0fQ.c2lnbmF0dXJl';
const VALID: Json = {
  type: 'CARD',
  token: 'tok_test_5113_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E',
  customer_email: 'buyer@example.com',
  acceptance_token: JWT_A,
  accept_personal_auth: JWT_B,
};

describe('payment sources: validation', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  const refused = async (body: Json): Promise<Record<string, string[]>> => {
    const r = await api.post('/v1/payment-sources', body, randomUUID());
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    return r.body.errors as Record<string, string[]>;
  };

  it.each([
    ['an unknown type', { type: 'PSE' }, 'type', /type must be one of CARD, NEQUI, DAVIPLATA, BANCOLOMBIA_TRANSFER/],
    ['a Nequi token on a CARD source', { token: 'nequi_test_Hs1kQ0Lw2YtA9zXc3VbN7mR4pE6uJ8dF' }, 'token', /tok_test_/],
    ['a card token on a NEQUI source', { type: 'NEQUI' }, 'token', /nequi_test_/],
    ['a card token on a DAVIPLATA source', { type: 'DAVIPLATA' }, 'token', /daviplata_test_/],
    ['a token that is not a string', { token: 42 }, 'token', /string/],
    ['no customer_email', { customer_email: undefined }, 'customer_email', /email/],
    ['an acceptance_token that is not a JWT', { acceptance_token: 'yes' }, 'acceptance_token', /GET \/v1\/acceptance/],
    ['no accept_personal_auth', { accept_personal_auth: undefined }, 'accept_personal_auth', /GET \/v1\/acceptance/],
    [
      'payment_description on a CARD source',
      { payment_description: 'Monthly' },
      'payment_description',
      /only accepted with type BANCOLOMBIA_TRANSFER/,
    ],
    [
      'BANCOLOMBIA_TRANSFER without payment_description',
      { type: 'BANCOLOMBIA_TRANSFER', token: 'b7d1e3c5-2a4f' },
      'payment_description',
      /required for BANCOLOMBIA_TRANSFER/,
    ],
    [
      'a payment_description over 64 characters',
      { type: 'BANCOLOMBIA_TRANSFER', token: 'b7d1e3c5', payment_description: 'x'.repeat(65) },
      'payment_description',
      /64/,
    ],
    ['an unknown field', { installments: 1 }, 'installments', /not an accepted field/],
  ])('refuses %s naming the field', async (_what, change, field, message) => {
    const errors = await refused({ ...VALID, ...change });
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field].join(' ')).toMatch(message);
  });

  it('names every bad field at once and keeps nothing', async () => {
    const errors = await refused({ type: 'NEQUI', token: 'tok_test_1_a', customer_email: 'nope' });
    expect(Object.keys(errors).sort()).toEqual(['accept_personal_auth', 'acceptance_token', 'customer_email', 'token']);
    expect(await pgQuery(t.db.url, 'select 1 from payment_sources')).toHaveLength(0);
  });

  it('GET and void need a UUID', async () => {
    expect((await api.get('/v1/payment-sources/3891')).status).toBe(400);
    const v = await api.post('/v1/payment-sources/3891/void', {}, randomUUID());
    expect(v.status).toBe(400);
    expect(v.body.errors).toHaveProperty('id');
  });

  it('void takes no fields', async () => {
    const v = await api.post(`/v1/payment-sources/${randomUUID()}/void`, { reason: 'buyer asked' }, randomUUID());
    expect(v.status).toBe(400);
    expect(v.body.errors).toEqual({ reason: ['reason is not an accepted field'] });
  });
});

describe('payment sources: OpenAPI', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => t?.close());

  it('documents every route with its tag, auth, Idempotency-Key on writes and examples', async () => {
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as { paths: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const routes: [string, string, string, boolean][] = [
      ['/v1/payment-sources', 'post', '201', true],
      ['/v1/payment-sources/{id}', 'get', '200', false],
      ['/v1/payment-sources/{id}/void', 'post', '200', true],
    ];
    for (const [path, method, ok, idempotent] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op).toBeDefined();
      expect(op.tags).toContain('payment-sources');
      expect(op.security).toEqual(expect.arrayContaining([{ internal: [] }]));
      expect(op.responses[ok].content['application/json'].example).toBeDefined();
      const header = (op.parameters as Json[]).find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect(Boolean(header)).toBe(idempotent);
    }
    expect(Object.keys(doc.paths['/v1/payment-sources'].post.requestBody.content['application/json'].examples)).toEqual(
      ['card', 'nequi', 'bancolombia'],
    );
    expect(
      doc.paths['/v1/payment-sources'].post.responses['422'].content['application/problem+json'].example.reason,
    ).toBe('La fuente de pago ha sido declinada');
    expect(
      doc.paths['/v1/transactions/{id}/void'].post.responses['400'].content['application/problem+json'].example.errors,
    ).toHaveProperty('amount_in_cents');
  });
});
