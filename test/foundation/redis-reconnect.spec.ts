/* After a Redis outage the service reconnects within the bounded policy (≤ 2 s between
 * attempts): an enqueue succeeds within ~3 s of Redis being back, not after Bull's default
 * backoff (up to 20 s between attempts). Every Bull client (client, subscriber, blocking client)
 * gets the same policy. */
import type { Queue } from 'bull';
import { getQueueToken } from '@nestjs/bull';
import { JobQueue, QUEUES } from '../../src/queue/job-queue.port';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { OwnRedis } from '../support/own-redis';
import { REDIS_RECONNECT_MAX_DELAY_MS } from '../../src/queue/redis-options';
import { holdsFor } from '../roles/support';
import { tcpReachable } from '../support/services';

describe('Redis reconnect', () => {
  let redis: OwnRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await OwnRedis.create();
    // the api role: it enqueues and nothing in it takes the probe jobs
    t = await startTestApp({ env: { ROLE: 'api', REDIS_URL: redis.url }, wireWebhooks: false });
  });
  afterAll(async () => {
    await redis?.start().catch(() => undefined);
    await t?.close();
    await redis?.stop();
  });

  const enqueue = (n: number) =>
    t.app
      .get(JobQueue)
      .enqueue(QUEUES.RECONCILIATION, 'reconnect-probe', {}, { jobId: `reconnect-probe-${n}`, delayMs: 3_600_000 });

  it('every Bull client carries the bounded retry strategy', () => {
    const q = t.app.get<Queue>(getQueueToken(QUEUES.RECONCILIATION));
    const strategy = (q.client.options as { retryStrategy?: (n: number) => number }).retryStrategy!;
    expect(strategy(1000)).toBe(REDIS_RECONNECT_MAX_DELAY_MS);
  });

  it('an enqueue succeeds within ~3 s of Redis returning after a 5 s outage', async () => {
    await enqueue(0);
    await redis.stop();
    // the outage itself: Redis stays away for 5 s while the clients keep retrying
    await holdsFor('redis to stay down', async () => !(await tcpReachable(redis.url, redis.port, 200)), 5000, 250);
    await redis.start();
    const backAt = Date.now();
    let n = 1;
    await waitFor(
      'an enqueue to succeed',
      async () => {
        await enqueue(n++);
        return true;
      },
      20_000,
      50,
    );
    const took = Date.now() - backAt;
    console.log(`enqueue succeeded ${took} ms after Redis was back`);
    // about 1-3 s on an idle machine (the reconnect delay is capped, test above); this bound catches
    // a backoff grown past the cap, and is generous for a busy machine
    expect(took).toBeLessThan(10_000);
  }, 40_000);
});
