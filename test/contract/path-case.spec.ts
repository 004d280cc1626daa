/* Issue 11, finding 4: routing is case-sensitive and strict (no trailing slash), decided once on
 * the Express instance, so the router and every guard or middleware that looks at the path agree.
 * A non-canonical spelling of a route is a 404 problem+json before any handler — never the same
 * handler without its guards (the PAN guard compared case-sensitively while Express routed
 * case-insensitively: `/V1/checkout-sessions` stored a card number). */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';

const CARD_BODY = JSON.stringify({
  amount_in_cents: 2_490_000,
  currency: 'COP',
  metadata: { note: 'tarjeta 4242 4242 4242 4242' },
});

async function rows(t: TestApp): Promise<{ payments: number; keys: number }> {
  const [r] = await pgQuery<{ payments: number; keys: number }>(
    t.db.url,
    'SELECT (SELECT count(*)::int FROM payments) AS payments, (SELECT count(*)::int FROM idempotency_keys) AS keys',
  );
  return r;
}

/** Raw node:http, so the path goes out byte for byte (fetch would resolve `..` and `%2E%2E`). */
function call(
  t: TestApp,
  method: string,
  path: string,
  body?: string,
  auth = true,
): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...(auth ? t.auth : {}), 'idempotency-key': randomUUID() };
  if (body !== undefined)
    Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('routing case and trailing slashes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => t?.close());

  it('refuses the card number on the canonical path (the guard runs)', async () => {
    const r = await call(t, 'POST', '/v1/checkout-sessions', CARD_BODY);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('CARD_DATA_REFUSED');
  });

  it.each([
    '/V1/checkout-sessions',
    '/v1/Checkout-Sessions',
    '/V1/CHECKOUT-SESSIONS',
    '/v1/checkout-sessions/',
    '//v1/checkout-sessions',
    '/v1//checkout-sessions',
    '/v1%2Fcheckout-sessions',
    '/v1/checkout-sessions%2F',
    '/v1/webhooks/wompi/../../checkout-sessions',
    '/v1/webhooks/wompi/%2E%2E/%2E%2E/checkout-sessions',
  ])('answers %s with 404 problem+json, storing nothing', async (path) => {
    const before = await rows(t);
    const r = await call(t, 'POST', path, CARD_BODY);
    expect([path, r.status]).toEqual([path, 404]);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(await rows(t)).toEqual(before);
  });

  it.each([
    '/v1/webhooks/wompi/',
    '/V1/WEBHOOKS/WOMPI',
    '/v1/Webhooks/Wompi',
    '/v1/webhooks//wompi',
    '/v1/webhooks%2Fwompi',
  ])('answers the webhook spelled %s with 404 problem+json (only the exact route is Wompi’s)', async (path) => {
    const r = await call(t, 'POST', path, '{"event":"transaction.updated"}', false);
    expect([path, r.status]).toEqual([path, 404]);
    expect(r.type).toMatch(/^application\/problem\+json/);
  });

  it.each(['/V1/transactions', '/v1/transactions/', '/v1/Transactions'])(
    'answers GET %s with 404, not a read that skipped a guard',
    async (path) => {
      const r = await call(t, 'GET', path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.type).toMatch(/^application\/problem\+json/);
    },
  );

  it('screens an absolute-form target (POST http://host/v1/...) as the router routes it', async () => {
    const { hostname, port } = new URL(t.url);
    const before = await rows(t);
    const raw = [
      `POST http://${hostname}:${port}/v1/checkout-sessions HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      `Authorization: ${t.auth.Authorization}`,
      `Idempotency-Key: ${randomUUID()}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(CARD_BODY)}`,
      'Connection: close',
      '',
      CARD_BODY,
    ].join('\r\n');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => (socket.destroy(), reject(new Error('no answer within 10 s'))), 10_000);
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => (clearTimeout(timer), resolve(Buffer.concat(chunks).toString('utf8'))));
      socket.write(raw);
    });
    const status = Number(answer.split(' ')[1]);
    expect([400, 404]).toContain(status);
    if (status === 400) expect(answer).toContain('CARD_DATA_REFUSED');
    expect(await rows(t)).toEqual(before);
  });

  it('keeps probes and metrics on their exact paths', async () => {
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${t.url}/HEALTH/live`)).status).toBe(404);
    expect((await fetch(`${t.url}/Metrics`)).status).toBe(404);
  });
});
