/* Service contract: rate limits answer 429 problem+json with Retry-After; a verified Wompi delivery
 * is never throttled. Small limits set explicitly here (NODE_ENV=test defaults are out of reach). */
import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app.factory';
import { RateLimits } from '../../src/common/rate-limit/rate-limits';
import Redis from 'ioredis';
import { OTHER_API_KEY, OTHER_CALLER, startTestApp, TestApp, waitFor } from '../support/app';
import { OwnRedis } from '../support/own-redis';
import { deliver, inboxRow, metricValue, signedEvent } from '../webhooks/support';

const NO_ID = '00000000-0000-4000-8000-000000000000';
const BAD_KEY = { Authorization: 'Bearer not-a-key-of-ours-0123456789' };

async function get(t: { url: string }, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url + path, { headers });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text,
  };
}

function expect429(r: { status: number; headers: Headers; body: unknown }, scope: string) {
  expect(r.status).toBe(429);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({
    status: 429,
    code: 'RATE_LIMITED',
    scope,
    type: expect.stringContaining('rate-limited'),
  });
  const retryAfter = r.headers.get('retry-after') ?? '';
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
}

describe('rate limits (in-process store)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      wireWebhooks: false,
      env: {
        RATE_LIMIT_INTERNAL_PER_MIN: '5',
        RATE_LIMIT_UNAUTHENTICATED_PER_MIN: '3',
        RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN: '3',
      },
    });
  });
  afterAll(async () => t?.close());

  it('a caller over its budget gets 429 problem+json with Retry-After; another caller is unaffected', async () => {
    const seen: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(t, `/v1/transactions/${NO_ID}`, t.auth);
      expect(r.status).toBe(404);
      expect(r.headers.get('ratelimit-limit')).toBe('5');
      seen.push(r.headers.get('ratelimit-remaining'));
    }
    expect(seen).toEqual(['4', '3', '2', '1', '0']);
    const refused = await get(t, `/v1/transactions/${NO_ID}`, t.auth);
    expect429(refused, 'internal');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect((refused.body as { detail: string }).detail).toContain('from this caller');

    const other = await get(t, `/v1/transactions/${NO_ID}`, { Authorization: `Bearer ${OTHER_API_KEY}` });
    expect(other.status).toBe(404);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
    expect(await metricValue(t, 'http_rate_limited_total', '{scope="internal"}')).toBe(1);
  });

  it('refused keys from one address: 401 within the budget, then 429; a known key from that address still passes', async () => {
    for (let i = 0; i < 3; i++) expect((await get(t, `/v1/transactions/${NO_ID}`, BAD_KEY)).status).toBe(401);
    expect429(await get(t, `/v1/transactions/${NO_ID}`, BAD_KEY), 'unauthenticated');
    expect429(await get(t, '/v1/acceptance'), 'unauthenticated'); // no key at all: same budget
    // X-Forwarded-For is not believed without TRUST_PROXY: a forged address changes nothing
    expect429(await get(t, '/v1/acceptance', { ...BAD_KEY, 'X-Forwarded-For': '203.0.113.9' }), 'unauthenticated');
    expect((await get(t, `/v1/transactions/${NO_ID}`, { Authorization: `Bearer ${OTHER_API_KEY}` })).status).toBe(404);
    expect(await metricValue(t, 'http_rate_limited_total', '{scope="unauthenticated"}')).toBe(3);
  });

  it('probes, metrics and docs are never limited', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await get(t, '/health/live')).status).toBe(200);
      expect((await get(t, '/metrics', BAD_KEY)).status).toBe(200);
    }
    expect((await get(t, '/docs-json', BAD_KEY)).status).toBe(200);
  });

  it('webhook: unverified deliveries from one address → 401/400 then 429; a signed delivery from it is still stored (200)', async () => {
    const secret = t.sandbox.keys.eventsSecret;
    const forged = () => signedEvent('test_events_not_ours');
    expect((await deliver(t, forged())).status).toBe(401);
    expect((await deliver(t, '{"event":')).status).toBe(400); // refused by the body parser: counts too
    expect((await deliver(t, { event: 'transaction.updated' })).status).toBe(400); // malformed envelope
    const throttled = await deliver(t, forged());
    expect(throttled.status).toBe(429);
    expect(throttled.contentType).toMatch(/^application\/problem\+json/);
    expect(throttled.body).toMatchObject({ code: 'RATE_LIMITED', scope: 'webhook_unverified' });
    expect((await deliver(t, '{"event":')).status).toBe(429);

    const ev = signedEvent(secret);
    const ok = await deliver(t, ev);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: true });
    expect(
      await inboxRow(t, `transaction.updated:${ev.data.transaction.id}:${ev.data.transaction.status}`),
    ).toMatchObject({ checksum: ev.signature.checksum });
    expect((await deliver(t, forged())).status).toBe(429); // still throttled for the unverified
    expect(await metricValue(t, 'http_rate_limited_total', '{scope="webhook_unverified"}')).toBe(3);
  });
});

describe('rate limits behind a trusted proxy (TRUST_PROXY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      wireWebhooks: false,
      env: {
        RATE_LIMIT_UNAUTHENTICATED_PER_MIN: '2',
        RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN: '2',
        TRUST_PROXY: 'loopback',
      },
    });
  });
  afterAll(async () => t?.close());

  it('each forwarded client address has its own budget', async () => {
    const from = (ip: string) => ({ ...BAD_KEY, 'X-Forwarded-For': ip });
    for (let i = 0; i < 2; i++) expect((await get(t, '/v1/acceptance', from('203.0.113.7'))).status).toBe(401);
    expect((await get(t, '/v1/acceptance', from('203.0.113.7'))).status).toBe(429);
    // a client-supplied entry left of the proxy's is not the address: the proxy's own append is
    expect((await get(t, '/v1/acceptance', from('198.51.100.1, 203.0.113.7'))).status).toBe(429);
    expect((await get(t, '/v1/acceptance', from('203.0.113.8'))).status).toBe(401);
  });

  it('webhook refusals (answered ahead of Express) are counted per forwarded address too', async () => {
    const forged = () => signedEvent('test_events_not_ours');
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });
    for (let i = 0; i < 2; i++) expect((await deliver(t, forged(), from('203.0.113.9'))).status).toBe(401);
    expect((await deliver(t, forged(), from('203.0.113.9'))).status).toBe(429);
    expect((await deliver(t, '{"event":', from('198.51.100.1, 203.0.113.9'))).status).toBe(429);
    expect((await deliver(t, forged(), from('203.0.113.10'))).status).toBe(401);
  });
});

describe('rate limits with the Redis store', () => {
  let redis: OwnRedis;
  let a: TestApp;
  let b: INestApplication;
  let bUrl: string;
  const other = { Authorization: `Bearer ${OTHER_API_KEY}` };

  beforeAll(async () => {
    redis = await OwnRedis.create();
    a = await startTestApp({
      wireWebhooks: false,
      env: { RATE_LIMIT_STORE: 'redis', RATE_LIMIT_REDIS_URL: redis.url, RATE_LIMIT_INTERNAL_PER_MIN: '6' },
    });
    // a second replica of the same deployment: same config, same database, same store
    b = await createApp(a.config, { bufferLogs: false });
    await b.listen(0, '127.0.0.1');
    bUrl = `http://127.0.0.1:${(b.getHttpServer().address() as AddressInfo).port}`;
    // boot waits for the store only so long; a loaded machine may need longer
    await waitFor(
      'both replicas on the Redis store',
      async () => a.app.get(RateLimits).storeReady() && b.get(RateLimits).storeReady(),
    );
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('two replicas share one budget per caller', async () => {
    const replicas = [a.url, bUrl];
    for (let i = 0; i < 6; i++) {
      const r = await get({ url: replicas[i % 2] }, `/v1/transactions/${NO_ID}`, a.auth);
      expect([i, r.status, r.headers.get('ratelimit-remaining')]).toEqual([i, 404, String(5 - i)]);
    }
    expect429(await get({ url: a.url }, `/v1/transactions/${NO_ID}`, a.auth), 'internal');
    expect429(await get({ url: bUrl }, `/v1/transactions/${NO_ID}`, a.auth), 'internal');
    expect((await get({ url: bUrl }, `/v1/transactions/${NO_ID}`, other)).status).toBe(404);
  });

  it('Redis down: requests are still served (per-process insurance limits, never a 5xx)', async () => {
    await redis.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get({ url: a.url }, `/v1/transactions/${NO_ID}`, other)).status);
    // the other caller spent 1 in Redis; the insurance limiter counts from zero in this process
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 429, 429]);
    expect((await get({ url: bUrl }, `/v1/transactions/${NO_ID}`, other)).status).toBe(404);
    expect((await get({ url: a.url }, '/health/live')).status).toBe(200);
  });

  it('Redis back: the replicas use the shared store again', async () => {
    await redis.start();
    const peek = new Redis(redis.url, { lazyConnect: true });
    try {
      await peek.connect();
      const key = `${a.config.queuePrefix}:ratelimit:internal:${OTHER_CALLER}`;
      // the restarted Redis is empty: the key appears once a replica counts in it again
      for (const url of [a.url, bUrl]) {
        await peek.del(key);
        await waitFor(
          `${url} counting in Redis again`,
          async () => {
            expect((await get({ url }, `/v1/transactions/${NO_ID}`, other)).status).not.toBeGreaterThanOrEqual(500);
            return (await peek.exists(key)) === 1;
          },
          15_000,
          100,
        );
      }
    } finally {
      peek.disconnect();
    }
  });
});
