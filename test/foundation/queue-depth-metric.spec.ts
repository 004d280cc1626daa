/* payments_queue_depth (the PaymentsQueueBacklog alert and the worker HPA read it) is the real
 * Bull backlog per queue, read from Redis at scrape time, in both roles; with Redis gone the
 * scrape still answers at once, without a stale sample. */
import { INestApplication } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { JobQueue, QUEUES, QueueName, RETRY_POLICIES } from '../../src/queue/job-queue.port';
import { startTestApp, TestApp, testEnv, waitFor } from '../support/app';
import { OwnRedis } from '../support/own-redis';
import { insertInbox, insertPayment, newReference, sql, syntheticTx, transactionUpdated } from '../fulfilment/support';

const N = 6;
const ENV = { WOMPI_VERIFY_APPROVED_BY_FETCH: 'false', LOG_LEVEL: 'error' };

/** The sample for one queue, or undefined when /metrics has none; also how long the scrape took. */
async function scrape(
  url: string,
  queue: QueueName,
): Promise<{ value: number | undefined; status: number; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`payments_queue_depth{queue="${queue}"} `));
  return {
    value: line === undefined ? undefined : Number(line.split(' ').pop()),
    status: res.status,
    ms: Date.now() - started,
  };
}
const depth = async (url: string, queue: QueueName) => (await scrape(url, queue)).value;

describe('payments_queue_depth', () => {
  describe('with nothing processing (ROLE=api), then a worker', () => {
    let t: TestApp;
    let worker: INestApplication | undefined;
    beforeAll(async () => {
      t = await startTestApp({ wireWebhooks: false, env: { ...ENV, ROLE: 'api' } });
    });
    afterAll(async () => {
      await worker?.close();
      await t?.close();
    });

    it('shows the waiting jobs per queue, not the delayed ones, and falls to 0 once a worker has run them', async () => {
      await waitFor(
        'an empty backlog on /metrics',
        async () =>
          (await depth(t.url, QUEUES.WEBHOOK_EVENTS)) === 0 && (await depth(t.url, QUEUES.RECONCILIATION)) === 0,
      );

      const queue = t.app.get(JobQueue);
      for (let i = 0; i < N; i++) {
        const reference = newReference(`depth${i}`);
        await insertPayment(t.db.url, { reference, amountInCents: 40_000 + i });
        const inboxId = await insertInbox(
          t.db.url,
          'transaction.updated',
          transactionUpdated(syntheticTx(reference, 40_000 + i, 'DECLINED')),
        );
        await queue.enqueue(
          QUEUES.WEBHOOK_EVENTS,
          'apply-event',
          { inboxId },
          { jobId: `inbox:${inboxId}`, ...RETRY_POLICIES.webhookEvent },
        );
      }
      // due in an hour: in Redis, but not backlog
      await queue.enqueue(
        QUEUES.RECONCILIATION,
        'resolve',
        { paymentId: randomUUID() },
        { jobId: `resolve:${randomUUID()}`, delayMs: 3_600_000, ...RETRY_POLICIES.reconciliation },
      );
      expect(await queue.counts(QUEUES.RECONCILIATION, 1000)).toMatchObject({ waiting: 0, delayed: 1 });

      await waitFor(`${N} jobs on /metrics`, async () => (await depth(t.url, QUEUES.WEBHOOK_EVENTS)) === N);
      expect(await depth(t.url, QUEUES.RECONCILIATION)).toBe(0);

      // a worker process on the same queues takes the backlog; both roles report it
      worker = await createApp(loadConfig(testEnv(t.db, t.sandbox, { ...ENV, ROLE: 'worker' })), { bufferLogs: false });
      await worker.listen(0, '127.0.0.1');
      const workerUrl = `http://127.0.0.1:${(worker.getHttpServer().address() as AddressInfo).port}`;

      await waitFor(
        'the backlog to drain on the api pod',
        async () => (await depth(t.url, QUEUES.WEBHOOK_EVENTS)) === 0,
        30_000,
        100,
      );
      expect(await depth(workerUrl, QUEUES.WEBHOOK_EVENTS)).toBe(0);
      expect(await depth(workerUrl, QUEUES.RECONCILIATION)).toBe(0);
      // 0 waiting means taken, not yet done: the jobs were real work, and it completes
      const processed = async () =>
        (
          await sql<{ n: number }>(t.db.url, `select count(*)::int as n from webhook_inbox where status = 'PROCESSED'`)
        )[0].n;
      await waitFor(`${N} inbox rows PROCESSED`, async () => (await processed()) === N, 30_000, 100);
      await waitFor('no job active', async () => (await queue.counts(QUEUES.WEBHOOK_EVENTS, 1000)).active === 0);
      expect(await queue.counts(QUEUES.WEBHOOK_EVENTS, 1000)).toMatchObject({ waiting: 0, active: 0, failed: 0 });
    }, 90_000);
  });

  describe('with Redis down', () => {
    let redis: OwnRedis;
    let t: TestApp;
    beforeAll(async () => {
      redis = await OwnRedis.create();
      t = await startTestApp({ wireWebhooks: false, env: { ...ENV, ROLE: 'api', REDIS_URL: redis.url } });
    });
    afterAll(async () => {
      await redis?.start().catch(() => undefined); // let Bull close cleanly
      await t?.close();
      await redis?.stop();
    });

    it('answers the scrape within the bound, without a sample, and reports again once Redis is back', async () => {
      await waitFor('a sample', async () => (await depth(t.url, QUEUES.WEBHOOK_EVENTS)) === 0);

      await redis.stop();
      const scrapes: Array<Awaited<ReturnType<typeof scrape>>> = [];
      await waitFor(
        'the sample to go',
        async () => {
          scrapes.push(await scrape(t.url, QUEUES.WEBHOOK_EVENTS));
          return scrapes[scrapes.length - 1].value === undefined;
        },
        10_000,
        100,
      );
      scrapes.push(await scrape(t.url, QUEUES.RECONCILIATION));
      expect(scrapes[scrapes.length - 1].value).toBeUndefined();
      // every scrape answered, bounded by QUEUE_DEPTH_TIMEOUT_MS (1 s; the queues read in parallel)
      // instead of waiting for Redis: generous for a busy machine (a hung read never answers)
      expect(scrapes.filter((s) => s.status !== 200 || s.ms >= 10_000)).toEqual([]);

      await redis.start();
      await waitFor(
        'the sample to come back',
        async () => (await depth(t.url, QUEUES.WEBHOOK_EVENTS)) === 0,
        15_000,
        200,
      );
    }, 60_000);
  });
});
