/* ROLE=api|worker from the one production entry point, as separate processes: the api takes
 * requests and webhooks (stores them; never talks to Redis for one) but enqueues, applies and
 * publishes nothing; the worker serves only probes and metrics over HTTP, and enqueues and
 * applies what the api stored once it runs. */
import { randomUUID } from 'node:crypto';
import type Bull from 'bull';
import { startSandbox, RunningSandbox } from '../../src/sandbox/start-sandbox';
import { createTestDatabase, TestDatabase } from '../support/database';
import { TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { BusObserver, observeBus, sql } from '../fulfilment/support';
import { cardBody } from '../transactions/support';
import { BOOT_BOUND_MS, holdsFor, ServiceProcess, startService, webhookQueue } from './support';

const auth = { authorization: `Bearer ${TEST_API_KEY}` };

describe('roles: api and worker as separate processes', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let bus: BusObserver;
  let queue: Bull.Queue;
  let env: Record<string, string | undefined>;
  let api: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({
      port: 0,
      silent: true,
      cardDelayMs: 200,
      asyncDelayMs: 400,
      retryDelaysMs: [500, 1000, 2000],
    });
    env = testEnv(db, sandbox, { LOG_LEVEL: 'warn', OUTBOX_POLL_MS: '100' });
    bus = await observeBus(env.AMQP_EXCHANGE!);
    queue = webhookQueue(env.QUEUE_PREFIX!);
    api = await startService({ ...env, ROLE: 'api' });
    sandbox.setEventsUrl(`${api.url}/v1/webhooks/wompi`);
  }, BOOT_BOUND_MS + 60_000);

  afterAll(async () => {
    sandbox?.setEventsUrl(undefined);
    await worker?.kill();
    await api?.kill();
    await queue?.close();
    await bus?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const payment = async (id: string) =>
    (await (await fetch(`${api!.url}/v1/transactions/${id}`, { headers: auth })).json()) as {
      status: string;
      wompi_transaction_id: string;
    };
  const inbox = () =>
    sql<{ id: string; status: string; attempts: number; enqueued_at: Date | null }>(
      db.url,
      `select id, status, attempts, enqueued_at from webhook_inbox`,
    );

  it('api alone: the signed webhook is accepted and stored, but nothing applies or publishes it', async () => {
    const created = await fetch(`${api!.url}/v1/transactions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(await cardBody(sandbox)),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    // Wompi's (the sandbox's) signed webhook reaches the api process and is acknowledged
    const delivery = await waitFor(
      'the webhook to be delivered to the api',
      async () => {
        const ds = (await (await fetch(`${sandbox.origin}/__sandbox/deliveries`)).json()) as {
          http_status: number | null;
          status_sent: string;
          error: string | null;
        }[];
        return ds.find((d) => d.status_sent === 'APPROVED' && (d.http_status !== null || d.error !== null));
      },
      15_000,
    );
    expect(delivery.http_status).toBe(200);
    const [row] = await inbox();
    expect(row.status).toBe('RECEIVED');
    // the stored row is the queue entry: the api hands nothing to Redis (the worker's relay does)
    // and it stays that way (a ROLE=all process applies such an event within ~100 ms)
    await holdsFor(
      'event unprocessed, not enqueued, no job in Redis, payment PENDING, nothing published',
      async () => {
        const [r] = await inbox();
        return (
          r.status === 'RECEIVED' &&
          r.attempts === 0 &&
          r.enqueued_at === null &&
          (await queue.getWaitingCount()) === 0 &&
          (await queue.getActiveCount()) === 0 &&
          (await payment(id)).status === 'PENDING' &&
          bus.messages.length === 0
        );
      },
      2_500,
    );
    // no outbox row was relayed (the relay runs only in workers)
    expect((await sql<{ n: number }>(db.url, `select count(*)::int as n from outbox where status = 'SENT'`))[0].n).toBe(
      0,
    );

    // the worker: probes and metrics over HTTP, nothing else
    worker = await startService({ ...env, ROLE: 'worker' });
    expect((await fetch(`${worker.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${worker.url}/health/ready`)).status).toBe(200);
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP /m);
    expect((await fetch(`${worker.url}/v1/transactions/${id}`, { headers: auth })).status).toBe(404);
    expect(
      (
        await fetch(`${worker.url}/v1/transactions`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fetch(`${worker.url}/v1/webhooks/wompi`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
    expect((await fetch(`${worker.url}/docs-json`)).status).toBe(404);
    expect((await fetch(`${worker.url}/docs`)).status).toBe(404);

    // and its relay hands over what the api stored, which it applies: event PROCESSED, payment APPROVED, events published
    await waitFor(
      'the stored event to be processed by the worker',
      async () => (await inbox())[0].status === 'PROCESSED',
      20_000,
      100,
    );
    expect((await payment(id)).status).toBe('APPROVED');
    await waitFor(
      'payment.approved on the bus',
      async () => bus.messages.some((m) => m.routingKey.includes('approved')),
      15_000,
    );
    expect(await queue.getWaitingCount()).toBe(0);
    expect((await inbox())[0].enqueued_at).toBeInstanceOf(Date);
  }, 300_000); // boots the worker: BOOT_BOUND_MS + 120 s
});
