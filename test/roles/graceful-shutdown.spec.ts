/* SIGTERM on the production entry point (ROLE=all, a child process) with work in flight: the
 * HTTP request in flight gets its answer, the running job completes, the process exits 0
 * within SHUTDOWN_TIMEOUT_MS, and a restarted process finds nothing half-done. A job that
 * would outlast the bound does not hold the exit up, and is not lost either. */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type Bull from 'bull';
import { startSandbox, RunningSandbox } from '../../src/sandbox/start-sandbox';
import { createTestDatabase, TestDatabase } from '../support/database';
import { TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { sql } from '../fulfilment/support';
import { cardBody, sandboxDecide, sandboxFaults } from '../transactions/support';
import { ServiceProcess, startService, webhookQueue } from './support';

const auth = { authorization: `Bearer ${TEST_API_KEY}` };
// Exit bounds: the process stops and exits after the timeout; on a busy machine that takes a few
// seconds more. Still far below what a held job (20 s) or a hang would take.
const MARGIN_MS = 5_000;

interface Suite {
  db: TestDatabase;
  sandbox: RunningSandbox;
  queue: Bull.Queue;
  env: Record<string, string | undefined>;
  procs: ServiceProcess[];
}

async function setUp(extra: Record<string, string>): Promise<Suite> {
  const db = await createTestDatabase();
  // card outcomes (and their webhooks) come only when the test decides them, once the fault is armed
  const sandbox = await startSandbox({
    port: 0,
    silent: true,
    cardDelayMs: 600_000,
    asyncDelayMs: 400,
    retryDelaysMs: [500, 1000, 2000],
  });
  const env = testEnv(db, sandbox, { LOG_LEVEL: 'warn', FULFILMENT_CONCURRENCY: '1', ...extra });
  return { db, sandbox, env, queue: webhookQueue(env.QUEUE_PREFIX!), procs: [] };
}

async function tearDown(s: Suite | undefined): Promise<void> {
  if (!s) return;
  s.sandbox.setEventsUrl(undefined);
  for (const p of s.procs) await p.kill();
  await s.queue.close();
  await s.sandbox.close();
  await s.db.drop();
}

async function boot(s: Suite, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const p = await startService({ ...s.env, ...env });
  s.procs.push(p);
  if (env.ROLE !== 'worker') s.sandbox.setEventsUrl(`${p.url}/v1/webhooks/wompi`);
  return p;
}

function create(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/transactions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
}

const inbox = (s: Suite) =>
  sql<{ id: string; status: string; payload: { data: { transaction: { reference: string } } } }>(
    s.db.url,
    `select id, status, payload from webhook_inbox order by received_at`,
  );
const paymentCount = async (s: Suite) =>
  (await sql<{ n: number }>(s.db.url, `select count(*)::int as n from payments`))[0].n;
const paymentStatus = async (s: Suite, id: string) =>
  (
    await sql<{ status: string; wompi_transaction_id: string | null }>(
      s.db.url,
      `select status, wompi_transaction_id from payments where id = $1`,
      [id],
    )
  )[0];

describe('graceful shutdown: SIGTERM with a request and a job in flight', () => {
  let s: Suite | undefined;
  afterAll(() => tearDown(s), 30_000);

  it('answers the request, finishes the job, exits 0 within SHUTDOWN_TIMEOUT_MS; a restart picks up the rest', async () => {
    const SHUTDOWN_TIMEOUT_MS = 10_000;
    const LATENCY_MS = 3_000;
    s = await setUp({ SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), WOMPI_TIMEOUT_MS: '15000' });
    const svc = await boot(s);

    // two card payments, and the body of a third
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await create(svc.url, await cardBody(s.sandbox));
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: string }).id);
    }
    const third = await cardBody(s.sandbox);
    // from now on every call to Wompi takes 3 s: the first event's verify-by-fetch, and the third create
    await sandboxFaults(s.sandbox, { latency_ms: LATENCY_MS });
    for (const id of ids)
      await sandboxDecide(s.sandbox, (await paymentStatus(s, id)).wompi_transaction_id!, 'APPROVED');

    // one job running (concurrency 1: its fetch held 3 s), the other event's job waiting behind it
    await waitFor(
      'one webhook job running and one waiting',
      async () =>
        (await inbox(s!)).length === 2 &&
        (await s!.queue.getActiveCount()) === 1 &&
        (await s!.queue.getWaitingCount()) === 1,
      30_000,
      50,
    );
    // an HTTP request in flight: its payment row is written, its call to Wompi is being held
    const inFlight = create(svc.url, third);
    await waitFor('the third create to be in flight', async () => (await paymentCount(s!)) === 3, 10_000, 20);

    const t0 = Date.now();
    svc.child.kill('SIGTERM');
    // at once, new connections are refused, while the process is still draining
    await waitFor(
      'new connections to be refused',
      () =>
        fetch(`${svc.url}/health/live`).then(
          () => false,
          () => true,
        ),
      5_000,
      20,
    );
    expect(svc.child.exitCode).toBeNull();
    const exit = { ...(await svc.exited), ms: Date.now() - t0 };
    const answer = await inFlight;
    process.stdout.write(
      `graceful shutdown (job + request in flight, SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}): exit code ${exit.code}, signal ${exit.signal}, ${exit.ms} ms\n`,
    );

    expect(answer.status).toBe(201);
    const thirdId = ((await answer.json()) as { id: string }).id;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + MARGIN_MS);
    expect(svc.output()).not.toMatch(/"level":(50|60)|ERROR/);

    // nothing half-done: the running job completed (its row PROCESSED), no Bull job left
    // active (locked by a dead worker), the in-flight create holds its Wompi id;
    // and the event not yet started when the signal came was left alone: RECEIVED, its job queued
    const rows = await inbox(s);
    expect(rows.map((r) => r.status)).toEqual(['PROCESSED', 'RECEIVED']);
    expect(await s.queue.getActiveCount()).toBe(0);
    expect(await s.queue.getWaitingCount()).toBe(1);
    expect((await paymentStatus(s, thirdId)).wompi_transaction_id).toBeTruthy();

    // a restarted process picks up whatever had not started
    await sandboxFaults(s.sandbox, {});
    await boot(s);
    await waitFor(
      'every stored event processed after the restart',
      async () => (await inbox(s!)).every((r) => r.status === 'PROCESSED'),
      20_000,
      100,
    );
    for (const id of ids) expect((await paymentStatus(s, id)).status).toBe('APPROVED');
  }, 480_000); // up to two boots: 2 × BOOT_BOUND_MS + 120 s
});

describe('graceful shutdown: a job that would outlast SHUTDOWN_TIMEOUT_MS', () => {
  let s: Suite | undefined;
  afterAll(() => tearDown(s), 30_000);

  it('does not hold the exit past the bound, and another worker applies the event later', async () => {
    const SHUTDOWN_TIMEOUT_MS = 2_000;
    s = await setUp({ SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), WOMPI_TIMEOUT_MS: '30000' });
    const svc = await boot(s);
    const r = await create(svc.url, await cardBody(s.sandbox));
    expect(r.status).toBe(201);
    const id = ((await r.json()) as { id: string }).id;
    await sandboxFaults(s.sandbox, { latency_ms: 20_000 });
    await sandboxDecide(s.sandbox, (await paymentStatus(s, id)).wompi_transaction_id!, 'APPROVED');
    await waitFor(
      'the webhook job to be running',
      async () => (await inbox(s!)).length === 1 && (await s!.queue.getActiveCount()) === 1,
      30_000,
      50,
    );

    const exit = await svc.terminate();
    process.stdout.write(
      `bounded shutdown (job held 20 s, SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}): exit code ${exit.code}, signal ${exit.signal}, ${exit.ms} ms\n`,
    );
    expect(exit.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + MARGIN_MS);
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(1); // cut short: not a clean drain, and it says so
    expect(svc.output()).toMatch(/shutdown did not finish within 2000 ms/);

    // not applied, not lost: the row is still open (RECEIVED/FAILED), never DEAD
    const [row] = await inbox(s);
    expect(['RECEIVED', 'FAILED']).toContain(row.status);

    await sandboxFaults(s.sandbox, {});
    await boot(s, { ROLE: 'worker' });
    await waitFor(
      'the event applied by the next worker',
      async () => (await inbox(s!))[0].status === 'PROCESSED',
      30_000,
      100,
    );
    expect((await paymentStatus(s, id)).status).toBe('APPROVED');
  }, 480_000); // up to two boots: 2 × BOOT_BOUND_MS + 120 s
});

describe('graceful shutdown: a busy keep-alive connection', () => {
  let s: Suite | undefined;
  afterAll(() => tearDown(s), 30_000);

  it('its answer in flight carries Connection: close, nothing is served on it afterwards, and it does not hold the exit', async () => {
    const SHUTDOWN_TIMEOUT_MS = 30_000;
    const EXIT_BOUND_MS = 10_000; // well under the timeout: the drain must not wait for the client to go quiet
    s = await setUp({ SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), WOMPI_TIMEOUT_MS: '15000' });
    const svc = await boot(s);
    const held = await cardBody(s.sandbox);
    // a request every ~100 ms over one socket; the sixth is a create whose Wompi call is held 2 s
    const client = keepAliveClient(svc.url, (n) =>
      n === 5 ? { method: 'POST', path: '/v1/transactions', body: held } : { method: 'GET', path: '/health/live' },
    );
    await waitFor('a few answers on one kept-alive socket', async () => client.answers.length >= 5, 10_000, 20);
    await sandboxFaults(s.sandbox, { latency_ms: 2_000 });
    await waitFor('the create to be in flight on that socket', async () => (await paymentCount(s!)) === 1, 10_000, 20);
    expect(new Set(client.answers.map((a) => a.socket))).toEqual(new Set([0]));
    expect(client.answers.every((a) => a.connection === 'keep-alive')).toBe(true);

    const t0 = Date.now();
    svc.child.kill('SIGTERM');
    const exit = {
      ...(await Promise.race([svc.exited, rejectAfter(2 * EXIT_BOUND_MS, 'the process to exit')])),
      ms: Date.now() - t0,
    };
    // the client paces itself (~100 ms): let it make its next attempt before stopping it
    await waitFor('the client to try again after the last answer', async () => client.errors.length > 0, 5_000, 20);
    await client.stop();
    const last = client.answers[client.answers.length - 1];
    process.stdout.write(
      `graceful shutdown (busy keep-alive client, SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}): exit code ${exit.code}, ${exit.ms} ms; last answer ${JSON.stringify(last)}; client errors ${JSON.stringify(client.errors)}\n`,
    );

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(EXIT_BOUND_MS);
    // the create in flight at the signal got its answer, with Connection: close, and was the socket's last one
    expect(last).toEqual({ socket: 0, request: 5, status: 201, connection: 'close' });
    // the client's next request needed a new connection, which was refused: nothing was reset under a request
    expect(client.errors).toEqual(['ECONNREFUSED']);
    expect(svc.output()).not.toMatch(/"level":(50|60)|ERROR/);
  }, 480_000); // up to two boots: 2 × BOOT_BOUND_MS + 120 s
});

const rejectAfter = (ms: number, what: string) =>
  new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms).unref(),
  );

interface Answer {
  socket: number;
  request: number;
  status: number;
  connection: string | undefined;
}

/** Requests (the n-th chosen by `pick`) ~100 ms apart over one kept-alive socket, until stopped or refused. */
function keepAliveClient(url: string, pick: (n: number) => { method: string; path: string; body?: unknown }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Answer[] = [];
  const errors: string[] = [];
  const sockets = new WeakMap<object, number>();
  let socketCount = 0;
  let stopped = false;
  const once = (n: number) =>
    new Promise<void>((resolve) => {
      const { method, path, body } = pick(n);
      const headers = body ? { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {};
      const req = http.request(`${url}${path}`, { method, agent, headers }, (res) => {
        if (!sockets.has(res.socket)) sockets.set(res.socket, socketCount++);
        answers.push({
          socket: sockets.get(res.socket)!,
          request: n,
          status: res.statusCode!,
          connection: res.headers.connection,
        });
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        errors.push(err.code ?? err.message);
        resolve();
      });
      req.end(body ? JSON.stringify(body) : undefined);
    });
  const loop = (async () => {
    for (let n = 0; !stopped && !errors.includes('ECONNREFUSED'); n++) {
      await once(n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    answers,
    errors,
    async stop() {
      stopped = true;
      await loop;
      agent.destroy();
    },
  };
}
