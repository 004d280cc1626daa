/* Issue 2's done-when, through the real HTTP stack: auth, validation, problem+json, probes,
 * metrics, OpenAPI. */
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';

describe('service foundation over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a /v1 route without an API key with 401 problem+json', async () => {
    const res = await request(t.url).get('/v1/transactions?reference=abc');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthenticated' });
    expect(typeof res.body.type).toBe('string');
    // RFC 6750 §3: a 401 names the scheme; no error code when no credentials were sent
    expect(res.headers['www-authenticate']).toBe('Bearer realm="payments"');
  });

  it('refuses a wrong API key with 401 and an invalid_token challenge', async () => {
    const res = await request(t.url)
      .get('/v1/transactions?reference=abc')
      .set('Authorization', 'Bearer not-a-real-key-123456');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="payments", error="invalid_token"');
    const write = await request(t.url)
      .post('/v1/transactions')
      .set('Authorization', 'Bearer not-a-real-key-123456')
      .set('Idempotency-Key', 'auth-1')
      .send({});
    expect(write.status).toBe(401);
    expect(write.headers['www-authenticate']).toBe('Bearer realm="payments", error="invalid_token"');
    const basic = await request(t.url).get('/v1/acceptance').set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Bearer realm="payments", error="invalid_request"');
    // an accepted key gets no challenge
    const ok = await request(t.url).get('/v1/transactions?reference=abc').set(t.auth);
    expect(ok.status).toBe(200);
    expect(ok.headers['www-authenticate']).toBeUndefined();
  });

  it("sends no bearer challenge on the webhook's 401 (a bad checksum is not bearer auth)", async () => {
    const event = {
      event: 'transaction.updated',
      data: { transaction: { id: '1-2-3', status: 'APPROVED', amount_in_cents: 150000 } },
      environment: 'test',
      timestamp: Math.floor(Date.now() / 1000),
      signature: { checksum: '0'.repeat(64), properties: ['transaction.id'] },
    };
    const res = await request(t.url).post('/v1/webhooks/wompi').send(event);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('answers an invalid body with 400 naming each field', async () => {
    const res = await request(t.url)
      .post('/v1/transactions')
      .set(t.auth)
      .set('Idempotency-Key', 'foundation-invalid-body')
      .send({ amount_in_cents: 'lots', currency: 'USD', surprise: true });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Object.keys(res.body.errors)).toEqual(expect.arrayContaining(['amount_in_cents', 'currency', 'surprise']));
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await request(t.url)
      .post('/v1/transactions')
      .set(t.auth)
      .set('Content-Type', 'application/json')
      .set('Idempotency-Key', 'k-malformed')
      .send('{"amount_in_cents":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('serves liveness and readiness in terminus format, with the Wompi breaker as information', async () => {
    const live = await request(t.url).get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('ok');
    const ready = await request(t.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({
      database: { status: 'up' },
      redis: { status: 'up' },
      rabbitmq: { status: 'up' },
      wompi: { status: 'up', breaker: 'closed' },
    });
  });

  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    const given = await request(t.url).get('/health/live').set('X-Request-Id', 'req-abc_123');
    expect(given.headers['x-request-id']).toBe('req-abc_123');
    const generated = await request(t.url).get('/health/live').set('X-Request-Id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes Prometheus metrics and the OpenAPI document', async () => {
    const metrics = await request(t.url).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('http_requests_total');
    expect(metrics.text).toContain('wompi_breaker_state');
    const doc = await request(t.url).get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await request(t.url).get('/v1/nothing-here').set(t.auth);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('malformed and oversized bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['/v1/webhooks/wompi', '/v1/transactions'])(
    'answers malformed JSON on %s with 400 that never quotes the body',
    async (path) => {
      const res = await request(t.url)
        .post(path)
        .set(t.auth)
        .set('Idempotency-Key', 'k')
        .set('Content-Type', 'application/json')
        .send('{"event": broken buyer@example.com 4242424242424242');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('MALFORMED_BODY');
      expect(res.text).not.toMatch(/broken|buyer@example\.com|4242/);
    },
  );

  it('answers an oversized body with 413 (256 KiB on the webhook, 64 KiB elsewhere)', async () => {
    const webhook = await request(t.url)
      .post('/v1/webhooks/wompi')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ x: 'a'.repeat(260 * 1024) }));
    expect(webhook.status).toBe(413);
    expect(webhook.body.code).toBe('PAYLOAD_TOO_LARGE');
    const api = await request(t.url)
      .post('/v1/transactions')
      .set(t.auth)
      .set('Idempotency-Key', 'k2')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ x: 'a'.repeat(70 * 1024) }));
    expect(api.status).toBe(413);
    // a body under the webhook limit but over the API limit is not refused as too large there
    const mid = await request(t.url)
      .post('/v1/webhooks/wompi')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ x: 'a'.repeat(100 * 1024) }));
    expect(mid.status).toBe(400);
  });
});
