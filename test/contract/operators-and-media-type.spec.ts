/* Operator routes are open only to the callers named in OPERATOR_CALLERS (unset = none); API bodies must be JSON. */
import request from 'supertest';
import { OTHER_API_KEY, OTHER_CALLER, startTestApp, TEST_API_KEY, TEST_CALLER, TestApp } from '../support/app';

describe('operator routes limited by OPERATOR_CALLERS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { OPERATOR_CALLERS: OTHER_CALLER } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets the named operator in and answers 403 problem+json to every other caller', async () => {
    for (const path of ['/v1/outbox?status=DEAD', '/v1/webhooks/events', '/v1/reconciliations']) {
      const op = await request(t.url).get(path).set('Authorization', `Bearer ${OTHER_API_KEY}`);
      expect(op.status).toBe(200);
      const other = await request(t.url).get(path).set(t.auth);
      expect(other.status).toBe(403);
      expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(other.body.detail).toContain(TEST_CALLER);
    }
    // business routes are untouched
    expect((await request(t.url).get('/v1/transactions').set(t.auth)).status).toBe(200);
  });
});

describe('operator routes with OPERATOR_CALLERS unset', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { OPERATOR_CALLERS: undefined } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses every caller (default-deny) with 403 problem+json, and changes nothing', async () => {
    const routes: [string, string][] = [
      ['get', '/v1/webhooks/events'],
      ['post', '/v1/webhooks/events/00000000-0000-4000-8000-000000000000/replay'],
      ['get', '/v1/outbox?status=DEAD'],
      ['post', '/v1/outbox/1/retry'],
      ['get', '/v1/reconciliations'],
      ['post', '/v1/reconciliations'],
      ['get', '/v1/reconciliations/00000000-0000-4000-8000-000000000000'],
    ];
    for (const key of [TEST_API_KEY, OTHER_API_KEY]) {
      for (const [method, path] of routes) {
        const res = await (method === 'get' ? request(t.url).get(path) : request(t.url).post(path)).set(
          'Authorization',
          `Bearer ${key}`,
        );
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.detail).toMatch(/OPERATOR_CALLERS/);
      }
    }
    expect((await request(t.url).get('/v1/transactions').set(t.auth)).status).toBe(200);
  });
});

describe('request bodies must be JSON', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 415 to a form or text body on the API, not a misleading 400', async () => {
    const form = await request(t.url)
      .post('/v1/transactions')
      .set(t.auth)
      .set('Idempotency-Key', 'media-1')
      .type('form')
      .send('amount_in_cents=150000');
    expect(form.status).toBe(415);
    expect(form.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const text = await request(t.url)
      .post('/v1/checkout-sessions')
      .set(t.auth)
      .set('Idempotency-Key', 'media-2')
      .set('Content-Type', 'text/plain')
      .send('{"amount_in_cents":150000}');
    expect(text.status).toBe(415);
    // a JSON body still reaches validation
    const json = await request(t.url)
      .post('/v1/checkout-sessions')
      .set(t.auth)
      .set('Idempotency-Key', 'media-3')
      .send({ amount_in_cents: 1 });
    expect(json.status).toBe(400);
  });

  it('takes the webhook whatever its content type (Wompi decides it), and a body-less void', async () => {
    const hook = await request(t.url)
      .post('/v1/webhooks/wompi')
      .set('Content-Type', 'text/plain')
      .send('{"event":"x"}');
    expect(hook.status).toBe(400); // parsed as JSON and refused for its envelope, not for its media type
    expect(hook.body.code).not.toBe('UNSUPPORTED_MEDIA_TYPE');
    const voided = await request(t.url)
      .post('/v1/transactions/00000000-0000-4000-8000-000000000000/void')
      .set(t.auth)
      .set('Idempotency-Key', 'media-4');
    expect(voided.status).toBe(404);
  });
});
