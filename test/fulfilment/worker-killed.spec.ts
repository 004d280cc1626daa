/* A worker killed with SIGKILL in the middle of a backlog loses nothing: Bull hands its
 * stalled jobs to the next worker, leased outbox rows are claimed again once their lease
 * ends, and row locks + unique constraints keep every effect single. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { JobQueue, QUEUES, RETRY_POLICIES } from '../../src/queue/job-queue.port';
import { BOOT_BOUND_MS, startTestApp, TestApp, testEnv, waitFor } from '../support/app';
import {
  BusObserver,
  insertInbox,
  insertPayment,
  newReference,
  observeBus,
  sql,
  syntheticTx,
  transactionUpdated,
} from './support';

const N = 150;
const WORKER_ENV = {
  WOMPI_VERIFY_APPROVED_BY_FETCH: 'false',
  FULFILMENT_CONCURRENCY: '2',
  OUTBOX_LEASE_MS: '2000',
  AMQP_PUBLISH_TIMEOUT_MS: '1000',
  OUTBOX_POLL_MS: '100',
  LOG_LEVEL: 'error',
};

function startWorker(env: Record<string, string | undefined>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'fixtures', 'worker.ts')],
    {
      env: { ...process.env, ...env, TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start in ${BOOT_BOUND_MS} ms: ${stderr}`)),
      BOOT_BOUND_MS,
    );
    child.stdout!.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
}

describe('fulfilment: a worker killed mid-batch', () => {
  let t: TestApp;
  let bus: BusObserver;
  let child: ChildProcess | undefined;
  let survivor: INestApplication | undefined;

  beforeAll(async () => {
    // the API only: nothing in this process applies jobs or relays until the survivor starts
    t = await startTestApp({ wireWebhooks: false, env: { ...WORKER_ENV, ROLE: 'api' } });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await survivor?.close();
    await bus?.close();
    await t?.close();
  });

  it('loses no event and fulfils each payment once', async () => {
    const queue = t.app.get(JobQueue);
    const paymentIds: string[] = [];
    const inboxIds: string[] = [];
    for (let i = 0; i < N; i++) {
      const reference = newReference(`kill${i}`);
      paymentIds.push(await insertPayment(t.db.url, { reference, amountInCents: 50_000 + i }));
      const inboxId = await insertInbox(
        t.db.url,
        'transaction.updated',
        transactionUpdated(syntheticTx(reference, 50_000 + i, i % 4 === 0 ? 'DECLINED' : 'APPROVED')),
      );
      inboxIds.push(inboxId);
      await queue.enqueue(
        QUEUES.WEBHOOK_EVENTS,
        'apply-event',
        { inboxId },
        { jobId: `inbox:${inboxId}`, ...RETRY_POLICIES.webhookEvent },
      );
    }
    const processed = async () =>
      (await sql<{ n: number }>(t.db.url, `select count(*)::int as n from webhook_inbox where status = 'PROCESSED'`))[0]
        .n;

    const env = testEnv(t.db, t.sandbox, WORKER_ENV);
    child = await startWorker(env);
    await waitFor('the worker to be part-way through the backlog', async () => (await processed()) >= 10, 30_000, 5);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const atKill = await processed();
    // jobs were in flight when it died (Bull still holds them as active, locked by the dead worker)
    expect(await t.app.get<Queue>(getQueueToken(QUEUES.WEBHOOK_EVENTS)).getActiveCount()).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N);

    survivor = await createApp(loadConfig({ ...env, ROLE: 'worker', LOG_LEVEL: 'error' }), { bufferLogs: false });
    await survivor.init();

    // stalled Bull jobs come back after their lock expires (lockDuration + stalledInterval)
    await waitFor('every inbox row PROCESSED', async () => (await processed()) === N, 90_000, 250);
    await waitFor(
      'every outbox row SENT',
      async () =>
        (await sql<{ n: number }>(t.db.url, `select count(*)::int as n from outbox where status <> 'SENT'`))[0].n === 0,
      30_000,
    );

    const perPayment = await sql<{ payment_id: string; n: number }>(
      t.db.url,
      `select payment_id, count(*)::int as n from fulfilments group by payment_id`,
    );
    expect(perPayment).toHaveLength(N);
    expect(perPayment.every((p) => p.n === 1)).toBe(true);
    const events = await sql<{ event_id: string }>(t.db.url, `select event_id from outbox`);
    expect(events).toHaveLength(N);
    // at-least-once: a row published just before the kill may arrive twice, always with its one id
    await waitFor(
      'every event id on the bus',
      async () => new Set(bus.messages.map((m) => m.messageId)).size >= N,
      15_000,
    );
    expect(new Set(bus.messages.map((m) => m.messageId))).toEqual(new Set(events.map((e) => e.event_id)));
  }, 360_000); // boots a worker: BOOT_BOUND_MS + 180 s
});
