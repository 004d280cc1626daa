/* Issue 11, finding 7 (edge): security headers on every answer, Cache-Control: no-store on the
 * API, a CSP that still lets the Swagger UI at /docs run, problem+json (with Connection: close)
 * for the requests Node's HTTP parser refuses before Express sees them, and DOCS_ENABLED. */
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';

/** Writes `raw` on a fresh socket and reads until the server closes it (bounded). */
function rawExchange(t: TestApp, raw: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `the server did not close the connection within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString('latin1')}`,
        ),
      );
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // the server may reset after answering
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(raw);
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('edge headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => t?.close());

  it.each([
    ['a payment read', 'GET', '/v1/transactions', true, 200],
    ['a refused read (401)', 'GET', '/v1/transactions', false, 401],
    ['an unknown route (404)', 'GET', '/v1/nothing-here', true, 404],
    ['a validation error (400)', 'POST', '/v1/checkout-sessions', true, 400],
    ['a webhook answer', 'POST', '/v1/webhooks/wompi', false, 400],
    ['a probe', 'GET', '/health/live', false, 200],
  ])('%s: no X-Powered-By, nosniff, no-store, a locked-down CSP', async (_what, method, path, auth, status) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(auth ? t.auth : {}), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: method === 'POST' ? '{"amount_in_cents":1}' : undefined,
    });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toMatch(/(^|, )no-store(,|$)/); // terminus adds no-cache on probes
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves the Swagger UI with a CSP that allows its own scripts and styles', async () => {
    const res = await fetch(`${t.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'unsafe-inline'/);
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const init = await fetch(`${t.url}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect((await fetch(`${t.url}/docs-json`)).status).toBe(200);
  });

  it('answers a header section over the limit with 431 problem+json and closes the connection', async () => {
    const raw = `GET /v1/transactions HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    const r = parseRaw(await rawExchange(t, raw));
    expect(r.status).toBe(431);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.headers.connection).toBe('close');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const problem = JSON.parse(r.body) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 431, title: 'Request header fields too large' });
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
  });

  it.each([
    ['a malformed request line', 'NOT A REQUEST\r\n\r\n'],
    ['a bad header line', 'GET /v1/transactions HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
    [
      'both Content-Length and chunked',
      'POST /v1/checkout-sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
  ])('answers %s with 400 problem+json and closes the connection', async (_what, raw) => {
    const r = parseRaw(await rawExchange(t, raw));
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toMatchObject({ status: 400, title: 'Bad request' });
  });
});

describe('DOCS_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { DOCS_ENABLED: 'false' } });
  });
  afterAll(async () => t?.close());

  it.each(['/docs', '/docs/', '/docs-json', '/docs/swagger-ui-init.js'])(
    'answers %s with 404 problem+json',
    async (path) => {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    },
  );

  it('still serves the API', async () => {
    expect((await fetch(`${t.url}/v1/transactions`, { headers: t.auth })).status).toBe(200);
  });
});
