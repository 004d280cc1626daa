/* Security review (issue 11), findings 5 and 7: caller input that once reached Postgres, a
 * prototype lookup or the implicit number conversion and came back 5xx, 404 or accepted. Each
 * must be a 400 problem+json whose `errors` names the field at fault. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TEST_CALLER, TestApp } from '../support/app';

type Json = Record<string, unknown>;
interface Case {
  method: 'GET' | 'POST';
  path: string;
  /** raw JSON text, so numbers like 9223372036854775808 reach the server exactly as sent */
  body?: string;
  field: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const UUID = '3f2a9c4e-1b2d-4e5f-9a0b-7c8d6e5f4a3b';
const tx = (extra: string) =>
  `{"amount_in_cents":2500000,"currency":"COP","customer_email":"buyer@example.com",${extra}}`;
const source = (type: string) =>
  JSON.stringify({
    type,
    token: 'tok_test_1_abc',
    customer_email: 'buyer@example.com',
    acceptance_token: 'a.b.c',
    accept_personal_auth: 'a.b.c',
  });

describe('contract: caller input never reaches a 5xx, a 404 or an implicit conversion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { OPERATOR_CALLERS: TEST_CALLER } });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function send(c: Case): Promise<{ status: number; type: string | null; body: Json }> {
    const headers: Record<string, string> = { ...t.auth };
    if (c.body !== undefined)
      Object.assign(headers, { 'content-type': 'application/json', 'idempotency-key': randomUUID() });
    const res = await fetch(`${t.url}${c.path}`, { method: c.method, headers, body: c.body });
    const text = await res.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = { text };
    }
    return { status: res.status, type: res.headers.get('content-type'), body };
  }

  async function expect400(c: Case): Promise<Json> {
    const r = await send(c);
    expect({ status: r.status, body: r.body }).toMatchObject({ status: 400 });
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(Object.keys((r.body.errors ?? {}) as Json)).toContain(c.field);
    return r.body;
  }

  // finding 5: each of these was a 500 (Postgres, a prototype lookup or a thrown TypeError)
  const finding5: [string, Case][] = [
    [
      'payment_source_id 2^63',
      {
        method: 'POST',
        path: '/v1/transactions',
        body: tx('"payment_source_id":9223372036854775808'),
        field: 'payment_source_id',
      },
    ],
    [
      'payment_source_id 1e30',
      { method: 'POST', path: '/v1/transactions', body: tx('"payment_source_id":1e30'), field: 'payment_source_id' },
    ],
    [
      'payment_source_id 2^53 (beyond an exact JSON number)',
      {
        method: 'POST',
        path: '/v1/transactions',
        body: tx('"payment_source_id":9007199254740993'),
        field: 'payment_source_id',
      },
    ],
    [
      'payment source type __proto__',
      { method: 'POST', path: '/v1/payment-sources', body: source('__proto__'), field: 'type' },
    ],
    [
      'payment source type constructor',
      { method: 'POST', path: '/v1/payment-sources', body: source('constructor'), field: 'type' },
    ],
    [
      'payment source type toString',
      { method: 'POST', path: '/v1/payment-sources', body: source('toString'), field: 'type' },
    ],
    [
      'payment source type hasOwnProperty',
      { method: 'POST', path: '/v1/payment-sources', body: source('hasOwnProperty'), field: 'type' },
    ],
    [
      'payment_method.type constructor',
      {
        method: 'POST',
        path: '/v1/transactions',
        body: tx('"payment_method":{"type":"constructor"}'),
        field: 'payment_method.type',
      },
    ],
    [
      'payment_method [null]',
      { method: 'POST', path: '/v1/transactions', body: tx('"payment_method":[null]'), field: 'payment_method' },
    ],
    [
      'payment_method [{"type":"CARD"}]',
      {
        method: 'POST',
        path: '/v1/transactions',
        body: tx('"payment_method":[{"type":"CARD"}]'),
        field: 'payment_method',
      },
    ],
    [
      'payment_method.type __proto__',
      {
        method: 'POST',
        path: '/v1/transactions',
        body: tx('"payment_method":{"type":"__proto__"}'),
        field: 'payment_method.type',
      },
    ],
    ['from=2026-W01', { method: 'GET', path: '/v1/transactions?from=2026-W01', field: 'from' }],
    ['to=2026-W01-1', { method: 'GET', path: '/v1/transactions?to=2026-W01-1', field: 'to' }],
    ['to=20260101T000000Z', { method: 'GET', path: '/v1/transactions?to=20260101T000000Z', field: 'to' }],
    ['from=2026-001 (ordinal date)', { method: 'GET', path: '/v1/transactions?from=2026-001', field: 'from' }],
    ['from=2026-02-30', { method: 'GET', path: '/v1/transactions?from=2026-02-30', field: 'from' }],
    ['from=+275761-01-01', { method: 'GET', path: '/v1/transactions?from=%2B275761-01-01', field: 'from' }],
    [
      'transactions cursor with month 13',
      {
        method: 'GET',
        path: `/v1/transactions?cursor=${b64(JSON.stringify({ t: '2026-13-01T00:00:00.000000Z', i: UUID }))}`,
        field: 'cursor',
      },
    ],
    [
      'transactions cursor with hour 25',
      {
        method: 'GET',
        path: `/v1/transactions?cursor=${b64(JSON.stringify({ t: '2026-01-01T25:00:00.000000Z', i: UUID }))}`,
        field: 'cursor',
      },
    ],
    [
      'inbox cursor with month 13',
      {
        method: 'GET',
        path: `/v1/webhooks/events?cursor=${b64(JSON.stringify({ t: '2026-13-01T00:00:00.000000Z', i: UUID }))}`,
        field: 'cursor',
      },
    ],
    [
      'inbox cursor with a year Postgres refuses',
      {
        method: 'GET',
        path: `/v1/webhooks/events?cursor=${b64(JSON.stringify({ t: '+275760-01-01T00:00:00Z', i: UUID }))}`,
        field: 'cursor',
      },
    ],
    [
      'inbox cursor with a bare number',
      {
        method: 'GET',
        path: `/v1/webhooks/events?cursor=${b64(JSON.stringify({ t: '0', i: UUID }))}`,
        field: 'cursor',
      },
    ],
    [
      'outbox retry id 9223372036854775808',
      { method: 'POST', path: '/v1/outbox/9223372036854775808/retry', field: 'id' },
    ],
    [
      'outbox cursor 9223372036854775808',
      { method: 'GET', path: `/v1/outbox?status=DEAD&cursor=${b64('9223372036854775808')}`, field: 'cursor' },
    ],
    [
      'outbox cursor 9999999999999999999',
      { method: 'GET', path: `/v1/outbox?status=SENT&cursor=${b64('9999999999999999999')}`, field: 'cursor' },
    ],
  ];

  it.each(finding5)('finding 5: %s is 400 naming the field', async (_label, c) => {
    await expect400(c);
  });

  // finding 7: prototype keys, loose integers, null, ids of the wrong shape
  const finding7: [string, Case][] = [
    [
      'body {"__proto__":{…}} on transactions',
      { method: 'POST', path: '/v1/transactions', body: tx('"__proto__":{"amount_in_cents":1}'), field: '__proto__' },
    ],
    [
      'body {"constructor":1} on transactions',
      { method: 'POST', path: '/v1/transactions', body: tx('"constructor":1'), field: 'constructor' },
    ],
    [
      'body {"prototype":1} on checkout sessions',
      { method: 'POST', path: '/v1/checkout-sessions', body: tx('"prototype":1'), field: 'prototype' },
    ],
    [
      'body {"__proto__":{…}} on checkout sessions',
      { method: 'POST', path: '/v1/checkout-sessions', body: tx('"__proto__":{"x":1}'), field: '__proto__' },
    ],
    [
      'body {"constructor":{…}} on payment sources',
      {
        method: 'POST',
        path: '/v1/payment-sources',
        body: '{"type":"CARD","constructor":{"name":"x"}}',
        field: 'constructor',
      },
    ],
    [
      'body {"__proto__":{}} on a void',
      { method: 'POST', path: `/v1/transactions/${UUID}/void`, body: '{"__proto__":{}}', field: '__proto__' },
    ],
    [
      'body {"constructor":1} on confirm',
      {
        method: 'POST',
        path: '/v1/transactions/confirm',
        body: '{"wompi_transaction_id":"1-2-3","constructor":1}',
        field: 'constructor',
      },
    ],
    [
      'metadata.__proto__',
      {
        method: 'POST',
        path: '/v1/checkout-sessions',
        body: tx('"metadata":{"__proto__":{"polluted":true}}'),
        field: 'metadata.__proto__',
      },
    ],
    [
      'metadata.a.constructor',
      {
        method: 'POST',
        path: '/v1/checkout-sessions',
        body: tx('"metadata":{"a":{"constructor":{"prototype":1}}}'),
        field: 'metadata.a.constructor',
      },
    ],
    [
      'customer_data.__proto__',
      {
        method: 'POST',
        path: '/v1/checkout-sessions',
        body: tx('"customer_data":{"__proto__":{"email":"x"}}'),
        field: 'customer_data.__proto__',
      },
    ],
    [
      'payment_source_id null',
      { method: 'POST', path: '/v1/transactions', body: tx('"payment_source_id":null'), field: 'payment_source_id' },
    ],
    [
      'payment_source_id "1"',
      { method: 'POST', path: '/v1/transactions', body: tx('"payment_source_id":"1"'), field: 'payment_source_id' },
    ],
    [
      'installments 2^63 with a source',
      {
        method: 'POST',
        path: '/v1/transactions',
        body: tx('"payment_source_id":1,"installments":9223372036854775808'),
        field: 'installments',
      },
    ],
    [
      'amount_in_cents 1e308',
      {
        method: 'POST',
        path: '/v1/checkout-sessions',
        body: '{"amount_in_cents":1e308,"currency":"COP"}',
        field: 'amount_in_cents',
      },
    ],
    ['query ?__proto__=1', { method: 'GET', path: '/v1/transactions?__proto__=1', field: '__proto__' }],
    ['query ?constructor=1', { method: 'GET', path: '/v1/webhooks/events?constructor=1', field: 'constructor' }],
    ['replay of a non-UUID id', { method: 'POST', path: '/v1/webhooks/events/not-a-uuid/replay', field: 'id' }],
    ['replay of a too-long id', { method: 'POST', path: `/v1/webhooks/events/${'a'.repeat(300)}/replay`, field: 'id' }],
    ['outbox retry of a non-numeric id', { method: 'POST', path: '/v1/outbox/abc/retry', field: 'id' }],
    ['outbox retry of id 0', { method: 'POST', path: '/v1/outbox/0/retry', field: 'id' }],
    ['outbox retry of id 01', { method: 'POST', path: '/v1/outbox/01/retry', field: 'id' }],
    ['outbox retry of id -1', { method: 'POST', path: '/v1/outbox/-1/retry', field: 'id' }],
  ];

  it.each(finding7)('finding 7: %s is 400 naming the field', async (_label, c) => {
    await expect400(c);
  });

  // strict integers: only ^[0-9]+$ within range, for every integer query parameter
  const lists = ['/v1/transactions?', '/v1/webhooks/events?', '/v1/outbox?status=DEAD&'];
  const looseIntegers = [
    '1e2',
    '0x10',
    '%205',
    '5%20',
    '1.0',
    '+5',
    '-1',
    '0',
    '0b11',
    '1_0',
    '',
    '99999999999999999999',
    '5&limit=6',
  ];
  it.each(lists.flatMap((path) => looseIntegers.map((v) => [path, v] as const)))(
    '%s limit=%s is 400 naming limit',
    async (path, v) => {
      await expect400({ method: 'GET', path: `${path}limit=${v}`, field: 'limit' });
    },
  );

  it.each(lists)('%s limit=5 is still accepted', async (path) => {
    const r = await send({ method: 'GET', path: `${path}limit=5`, field: 'limit' });
    expect(r.status).toBe(200);
  });

  it.each([
    ['2026-03-01', 'a date'],
    ['2026-03-01T00:00:00Z', 'an instant'],
    ['2026-03-01T00:00:00.123456Z', 'microseconds'],
    ['2026-03-01T05:00:00-05:00', 'an offset'],
  ])('transactions from=%s (%s) is still accepted', async (v) => {
    const r = await send({
      method: 'GET',
      path: `/v1/transactions?from=${encodeURIComponent(v)}&to=2099-01-01T00:00:00Z`,
      field: 'from',
    });
    expect(r.status).toBe(200);
  });

  it('validation messages never quote implementation text (constructors, functions)', async () => {
    const bodies = [
      tx('"payment_method":{"type":"constructor"}'),
      tx('"payment_method":{"type":"toString"}'),
      tx('"payment_method":{"type":"__proto__"}'),
      tx('"payment_method":{"type":"valueOf","token":"x"}'),
      source('constructor'),
      source('__proto__'),
    ];
    for (const [i, body] of bodies.entries()) {
      const r = await send({
        method: 'POST',
        path: i < 4 ? '/v1/transactions' : '/v1/payment-sources',
        body,
        field: 'type',
      });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).not.toMatch(/native code|function |\[object |undefined|NaN/);
    }
  });

  it('a prototype key pollutes nothing: a later ordinary request sees no extra field', async () => {
    await send({
      method: 'POST',
      path: '/v1/checkout-sessions',
      body: tx('"__proto__":{"polluted":"yes"}'),
      field: '__proto__',
    });
    expect(({} as Json).polluted).toBeUndefined();
    const ok = await send({ method: 'GET', path: '/v1/transactions?limit=1', field: 'limit' });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(ok.body)).not.toContain('polluted');
  });
});
