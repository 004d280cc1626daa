/* Service contract, HTTP API: every route of its table is in the OpenAPI document (/docs-json)
 * with the 4xx/5xx answers it really gives; every route behind the API key documents its 401
 * (with the WWW-Authenticate challenge) and the 429 of the rate limits, and every internal
 * write the answers of the body parser (400, 413, 415). The keys are opaque, not JWTs. */
import { startTestApp, TestApp } from '../support/app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The service contract's HTTP API table: method, OpenAPI path, whether the API key guards it, the answers it documents. */
const CONTRACT_ROUTES: [string, string, boolean, string[]][] = [
  ['get', '/v1/acceptance', true, ['200', '401', '503']],
  ['post', '/v1/transactions', true, ['201', '400', '401', '409', '413', '415', '422', '503']],
  ['get', '/v1/transactions/{id}', true, ['200', '400', '401', '404', '503']],
  ['get', '/v1/transactions', true, ['200', '400', '401', '503']],
  ['post', '/v1/transactions/{id}/void', true, ['200', '400', '401', '404', '409', '413', '415', '422', '503']],
  ['post', '/v1/transactions/confirm', true, ['200', '400', '401', '404', '409', '413', '415', '503']],
  ['post', '/v1/checkout-sessions', true, ['201', '400', '401', '409', '413', '415', '422', '503']],
  ['post', '/v1/reconciliations', true, ['200', '202', '400', '401', '403', '413', '415', '503']],
  ['get', '/v1/reconciliations', true, ['200', '400', '401', '403', '503']],
  ['get', '/v1/reconciliations/{id}', true, ['200', '400', '401', '403', '404', '503']],
  ['post', '/v1/webhooks/wompi', false, ['200', '400', '401', '413', '429', '503']],
  ['get', '/health/live', false, ['200']],
  ['get', '/health/ready', false, ['200', '503']],
  ['get', '/metrics', false, ['200']],
];

describe('contract: the OpenAPI document covers the HTTP API', () => {
  let t: TestApp;
  let doc: Json;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    const res = await fetch(`${t.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Json;
  });
  afterAll(async () => t?.close());

  it.each(CONTRACT_ROUTES)('%s %s is documented with each answer it gives', (method, path, guarded, statuses) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    expect(Object.keys(op.responses).sort()).toEqual(expect.arrayContaining(statuses));
    for (const status of statuses) expect(typeof op.responses[status].description).toBe('string');
    for (const status of statuses.filter((s) => s >= '400'))
      expect(op.responses[status].description.length).toBeGreaterThan(0);
    if (guarded) expect(op.security).toEqual(expect.arrayContaining([{ internal: [] }]));
    else expect(op.security ?? []).toEqual([]);
  });

  it('documents the 401 and its WWW-Authenticate challenge on every operation behind the API key', () => {
    const guarded = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([, op]) => (op as Json).security?.some((s: Json) => 'internal' in s))
        .map(([method, op]) => [`${method} ${path}`, op as Json] as const),
    );
    expect(guarded.length).toBeGreaterThanOrEqual(15); // transactions, checkout, sources, acceptance, PSE, inbox, outbox
    for (const [name, op] of guarded) {
      expect([name, op.responses['401']?.headers?.['WWW-Authenticate']?.schema?.example]).toEqual([
        name,
        'Bearer realm="payments", error="invalid_token"',
      ]);
    }
  });

  it('documents the 429 of the rate limits, with Retry-After and RateLimit-*, on every operation behind the API key', () => {
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (!(op as Json).security?.some((s: Json) => 'internal' in s)) continue;
        const headers = Object.keys((op as Json).responses['429']?.headers ?? {}).sort();
        expect([`${method} ${path}`, headers]).toEqual([
          `${method} ${path}`,
          ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'],
        ]);
      }
    }
  });

  it('documents 400, 413 and 415 on every internal write', () => {
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (method !== 'post' || path === '/v1/webhooks/wompi') continue;
        expect([`${method} ${path}`, ...['400', '413', '415'].filter((s) => !(op as Json).responses[s])]).toEqual([
          `${method} ${path}`,
        ]);
      }
    }
  });

  it('describes the keys as opaque, not JWTs', () => {
    expect(doc.components.securitySchemes.internal).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.internal.bearerFormat ?? '').not.toMatch(/jwt/i);
  });

  it('documents /metrics as Prometheus text', () => {
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
  });

  it('answers what it documents: each guarded route without a key is 401 with the challenge', async () => {
    const sample: Record<string, string> = { '{id}': '00000000-0000-4000-8000-000000000000' };
    for (const [method, path, guarded] of CONTRACT_ROUTES) {
      if (!guarded) continue;
      const url = t.url + path.replace(/\{(\w+)\}/g, (m) => sample[m]);
      const res = await fetch(url, {
        method: method.toUpperCase(),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'openapi-1' },
        body: method === 'post' ? '{}' : undefined,
      });
      expect([method, path, res.status, res.headers.get('www-authenticate')]).toEqual([
        method,
        path,
        401,
        'Bearer realm="payments"',
      ]);
    }
    // and /docs itself is served
    expect((await fetch(`${t.url}/docs`)).status).toBe(200);
  });
});
