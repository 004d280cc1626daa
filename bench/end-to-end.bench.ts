/* End to end with ROLE=all in its own process: a signed Wompi delivery POSTed to the ingress →
 * the CloudEvent consumed from RabbitMQ (inbox, relay, Bull, verify-by-fetch against the
 * sandbox, the state machine, the outbox, the relay's publish). At a fixed 200 events/s
 * (latency from each delivery's scheduled send time), then as fast as the worker applies them.
 * Per event it reports the service's CPU time and its Postgres and Redis round trips (counted by
 * bench/probe.ts, preloaded into the service), and names the bottleneck from the event loop's
 * time on a core and waiting for one. Knobs: BENCH_SCALE (0.05–1), BENCH_CPU_PROF=<dir> (the
 * service runs with --cpu-prof), BENCH_SVC_<NAME>=<value> (handed to the service as <NAME>),
 * BENCH_PRELOAD=<file.js> (one more `node -r` module in the service, e.g. a query logger). */
import * as amqplib from 'amqplib';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeEventChecksum } from '../src/wompi/signatures';
import { closedLoop, openLoop } from './load';
import { freePort, startChild } from './processes';
import { serviceNodeArgs } from './webhook-ingest.bench';
import {
  BenchContext,
  BenchResult,
  benchEnv,
  createBenchDatabase,
  newApiKey,
  percentile,
  startBenchSandbox,
} from './support';

const RATE = 200;
/** BENCH_SCALE (e.g. 0.3) shrinks both phases for a quick comparison; 1 for the figures. */
const SCALE = Math.min(1, Math.max(0.05, Number(process.env.BENCH_SCALE ?? 1) || 1));
const FIXED_EVENTS = Math.round(1500 * SCALE);
const BURST_EVENTS = Math.round(1500 * SCALE);
/** delivered and drained before anything is measured, so the apply path runs JIT-compiled like a live service's */
const WARMUP_EVENTS = Math.round(400 * SCALE);
/** BENCH_CPU_PROF=<dir>: the service runs with --cpu-prof, its profile written there on exit. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const BURST_CONCURRENCY = 32;
const SETTLE_MS = 60_000;

type Json = Record<string, unknown>;

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

interface Sandboxish {
  baseUrl: string;
  keys: { publicKey: string; privateKey: string; eventsSecret: string };
}

/** `n` approved card payments created through the service's API; their Wompi transactions once final. */
async function approvedPayments(sandbox: Sandboxish, api: string, apiKey: string, n: number): Promise<Json[]> {
  const out: Json[] = [];
  let next = 0;
  let unresolved = 0;
  const one = async (): Promise<void> => {
    while (next < n) {
      next++;
      const merchant = await json(`${sandbox.baseUrl}/merchants/${sandbox.keys.publicKey}`);
      const data = merchant.body.data as {
        presigned_acceptance: { acceptance_token: string };
        presigned_personal_data_auth: { acceptance_token: string };
      };
      const token = await json(`${sandbox.baseUrl}/tokens/cards`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.keys.publicKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          number: '4242424242424242',
          cvc: '123',
          exp_month: '12',
          exp_year: '35',
          card_holder: 'Bench Buyer',
        }),
      });
      const created = await json(`${api}/v1/transactions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `bench-${crypto.randomUUID()}`,
        },
        body: JSON.stringify({
          amount_in_cents: 2_490_000,
          currency: 'COP',
          customer_email: 'buyer@example.com',
          acceptance_token: data.presigned_acceptance.acceptance_token,
          accept_personal_auth: data.presigned_personal_data_auth.acceptance_token,
          payment_method: { type: 'CARD', token: (token.body.data as Json).id, installments: 1 },
        }),
      });
      if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
      if (!created.body.wompi_transaction_id) {
        // the service could not tell whether Wompi took it (a slow sandbox on a busy machine): make another
        if (++unresolved > Math.max(20, n / 10)) throw new Error(`${unresolved} creates came back without a Wompi id`);
        next--;
        continue;
      }
      const wompiId = String(created.body.wompi_transaction_id);
      for (let tries = 0; ; tries++) {
        const tx = await json(`${sandbox.baseUrl}/transactions/${wompiId}`, {
          headers: { authorization: `Bearer ${sandbox.keys.privateKey}` },
        });
        const t = tx.body.data as Json | undefined;
        if (!t) {
          // a refused read (the sandbox under load): asked again, bounded by the tries below
          if (tries > 200) throw new Error(`sandbox answered ${tx.status} for ${wompiId}: ${JSON.stringify(tx.body)}`);
          await new Promise((r) => setTimeout(r, 25));
          continue;
        }
        if (t.status !== 'PENDING') {
          out.push(t);
          break;
        }
        if (tries > 200) throw new Error(`sandbox transaction ${wompiId} never finalized`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  return out;
}

interface ProbeSample {
  pgQueries: number;
  redisRoundTrips: number;
  redisCommands: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  at: number;
}

/** The service's counters (bench/probe.ts, preloaded): asked for with SIGUSR2, read from the file it writes. */
async function probe(pid: number, file: string): Promise<ProbeSample> {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (now && now !== before) {
      try {
        return JSON.parse(now) as ProbeSample;
      } catch {
        // caught mid-write: read again
      }
    }
    if (Date.now() > deadline) throw new Error('the service did not answer the bench probe (SIGUSR2)');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The service's main thread (its event loop) from /proc: ns on a core, ns runnable but waiting for one. */
function schedstat(pid: number): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runNs: run, waitNs: wait };
  } catch {
    return { runNs: NaN, waitNs: NaN };
  }
}

interface PhaseCost {
  cpuMsPerEvent: number;
  /** of which in the kernel (syscalls: every socket read and write, loopback TCP included) */
  systemMsPerEvent: number;
  /** service CPU time over wall time (1 = one core busy) */
  cpuShare: number;
  pgPerEvent: number;
  redisRoundTripsPerEvent: number;
  redisCommandsPerEvent: number;
}

function cost(a: ProbeSample, b: ProbeSample, events: number, wallMs: number): PhaseCost {
  const cpuMs = (b.cpuUserUs + b.cpuSystemUs - a.cpuUserUs - a.cpuSystemUs) / 1000;
  return {
    cpuMsPerEvent: cpuMs / events,
    systemMsPerEvent: (b.cpuSystemUs - a.cpuSystemUs) / 1000 / events,
    cpuShare: cpuMs / wallMs,
    pgPerEvent: (b.pgQueries - a.pgQueries) / events,
    redisRoundTripsPerEvent: (b.redisRoundTrips - a.redisRoundTrips) / events,
    redisCommandsPerEvent: (b.redisCommands - a.redisCommands) / events,
  };
}

function delivery(tx: Json, secret: string): string {
  const event = {
    event: 'transaction.updated',
    data: { transaction: tx },
    sent_at: new Date().toISOString(),
    timestamp: Math.floor(Date.now() / 1000),
    signature: { checksum: '', properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'] },
    environment: 'test',
  };
  event.signature.checksum = computeEventChecksum(event, secret);
  return JSON.stringify(event);
}

/** Consumed CloudEvents, by the Wompi transaction id their data carries. */
async function observe(url: string, exchange: string) {
  const conn = await amqplib.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, exchange, '#');
  await ch.prefetch(2000);
  const seen = new Map<string, number>();
  await ch.consume(
    q.queue,
    (msg) => {
      if (!msg) return;
      const ev = JSON.parse(msg.content.toString('utf8')) as { data?: { wompi_transaction_id?: string } };
      if (ev.data?.wompi_transaction_id) seen.set(ev.data.wompi_transaction_id, performance.now());
    },
    { noAck: true },
  );
  return {
    seen,
    async waitAll(ids: string[], timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (ids.some((id) => !seen.has(id))) {
        if (Date.now() > deadline)
          throw new Error(
            `${ids.filter((id) => !seen.has(id)).length} of ${ids.length} events not consumed within ${timeoutMs} ms ` +
              `(Wompi transaction ids: ${ids
                .filter((id) => !seen.has(id))
                .slice(0, 10)
                .join(', ')}; BENCH_CHILD_LOG=<file> keeps the service's log)`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => conn.close().catch(() => undefined),
  };
}

/**
 * Delivers the first WARMUP_EVENTS of `created` 8 in flight and waits until they are consumed:
 * the create path ran hot just before, the webhook → apply → publish path not at all. Returns the rest.
 */
async function warmUp(
  target: { url: string; path: string },
  created: Json[],
  secret: string,
  bus: Awaited<ReturnType<typeof observe>>,
): Promise<Json[]> {
  const warm = created.slice(0, WARMUP_EVENTS);
  await closedLoop(
    target,
    warm.map((tx) => delivery(tx, secret)),
    8,
  );
  await bus.waitAll(
    warm.map((tx) => String(tx.id)),
    SETTLE_MS,
  );
  return created.slice(WARMUP_EVENTS);
}

/**
 * The fixed-rate phase again (warm-up first) with ingest and apply in two processes, ROLE=api and
 * ROLE=worker, as the Helm chart deploys them: each role gets its own event loop (and core).
 */
async function splitRoles(
  ctx: BenchContext,
  sandbox: Awaited<ReturnType<typeof startBenchSandbox>>,
  apiKey: string,
  overrides: Record<string, string>,
  nodeArgs: string[],
): Promise<BenchResult[]> {
  const db = await createBenchDatabase();
  const env = benchEnv(db, sandbox, apiKey, { NODE_ENV: 'production', LOG_LEVEL: 'info', ...overrides });
  const worker = await startChild(
    'src/main.js',
    await freePort(),
    { ...env, ROLE: 'worker' },
    '/health/live',
    undefined,
    nodeArgs,
  );
  const api = await startChild(
    'src/main.js',
    await freePort(),
    { ...env, ROLE: 'api' },
    '/health/live',
    undefined,
    nodeArgs,
  );
  const bus = await observe(env.AMQP_URL, env.AMQP_EXCHANGE);
  const secret = sandbox.keys.eventsSecret;
  const target = { url: api.url, path: '/v1/webhooks/wompi' };
  try {
    ctx.log(
      `ROLE=api + ROLE=worker: creating ${WARMUP_EVENTS + FIXED_EVENTS} payments, warm-up, ${FIXED_EVENTS} deliveries at ${RATE}/s`,
    );
    const created = await approvedPayments(sandbox, api.url, apiKey, WARMUP_EVENTS + FIXED_EVENTS);
    const first = await warmUp(target, created, secret, bus);
    const bodies = first.map((tx) => delivery(tx, secret));
    const cpu0 = { api: api.cpuMs(), worker: worker.cpuMs() };
    const t0 = performance.now();
    const fixed = await openLoop(target, bodies, RATE, 256, () => undefined);
    const ids = first.map((tx) => String(tx.id));
    await bus.waitAll(ids, SETTLE_MS);
    const wallMs = performance.now() - t0;
    if (fixed.errors) throw new Error(`ingress errors: ${fixed.errors}`);
    const lat = ids.map((id, i) => bus.seen.get(id)! - (t0 + (i * 1000) / RATE)).sort((a, b) => a - b);
    const apiMs = api.cpuMs() - cpu0.api;
    const workerMs = worker.cpuMs() - cpu0.worker;
    const share = (ms: number) => `${((ms / wallMs) * 100).toFixed(0)}% of a core`;
    const note = `ROLE=api + ROLE=worker, two processes (the Helm chart's shape); api ${share(apiMs)}, worker ${share(workerMs)}`;
    return [
      {
        bench: 'end-to-end',
        metric: `split roles: webhook → CloudEvent at ${RATE}/s: p50`,
        value: percentile(lat, 50),
        unit: 'ms',
        n: lat.length,
        notes: note,
      },
      {
        bench: 'end-to-end',
        metric: `split roles: webhook → CloudEvent at ${RATE}/s: p99`,
        value: percentile(lat, 99),
        unit: 'ms',
        n: lat.length,
        notes: `ingress p99 ${fixed.p99.toFixed(1)} ms`,
      },
      {
        bench: 'end-to-end',
        metric: `split roles: CPU per event at ${RATE}/s`,
        value: (apiMs + workerMs) / FIXED_EVENTS,
        unit: 'ms',
        n: FIXED_EVENTS,
        notes: `api ${(apiMs / FIXED_EVENTS).toFixed(2)} ms + worker ${(workerMs / FIXED_EVENTS).toFixed(2)} ms`,
      },
    ];
  } finally {
    await bus.close();
    await api.stop();
    await worker.stop();
    if (!process.env.BENCH_KEEP_DB) await db.drop();
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const sandbox = await startBenchSandbox();
  sandbox.setEventsUrl(undefined); // the bench delivers (and times) every event itself
  const db = await createBenchDatabase();
  const apiKey = newApiKey();
  // BENCH_SVC_<NAME>=<value> is handed to the service as <NAME> (e.g. BENCH_SVC_FULFILMENT_CONCURRENCY=32)
  const overrides = Object.fromEntries(
    Object.entries(process.env)
      .filter(([k, v]) => k.startsWith('BENCH_SVC_') && v !== undefined)
      .map(([k, v]) => [k.slice('BENCH_SVC_'.length), v!]),
  );
  const env = benchEnv(db, sandbox, apiKey, { ROLE: 'all', NODE_ENV: 'production', LOG_LEVEL: 'info', ...overrides });
  const probeFile = join(tmpdir(), `bench-probe-${db.name}.json`);
  const nodeArgs = [
    '-r',
    join(__dirname, 'probe.js'),
    ...(process.env.BENCH_PRELOAD ? ['-r', process.env.BENCH_PRELOAD] : []),
  ];
  if (CPU_PROF_DIR) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`);
  // npm start's V8 flags, as the image runs it; BENCH_NODE_ARGS: others instead ("none" for none;
  // e.g. --perf-basic-prof for `perf`)
  nodeArgs.push(
    ...(process.env.BENCH_NODE_ARGS === undefined
      ? serviceNodeArgs()
      : process.env.BENCH_NODE_ARGS.split(/\s+/).filter((a) => a.startsWith('--'))),
  );
  const svc = await startChild(
    'src/main.js',
    await freePort(),
    { ...env, BENCH_PROBE_FILE: probeFile },
    '/health/live',
    undefined,
    nodeArgs,
  );
  const bus = await observe(env.AMQP_URL, env.AMQP_EXCHANGE);
  const secret = sandbox.keys.eventsSecret;
  const target = { url: svc.url, path: '/v1/webhooks/wompi' };
  try {
    ctx.log(`creating ${WARMUP_EVENTS + FIXED_EVENTS} approved card payments`);
    const created = await approvedPayments(sandbox, svc.url, apiKey, WARMUP_EVENTS + FIXED_EVENTS);
    ctx.log(`warm-up: ${WARMUP_EVENTS} deliveries, 8 in flight, drained`);
    const first = await warmUp(target, created, secret, bus);
    const bodies = first.map((tx) => delivery(tx, secret));
    const sentAt: number[] = [];
    ctx.log(`${FIXED_EVENTS} deliveries at ${RATE}/s`);
    const p0 = await probe(svc.pid, probeFile);
    const t0 = performance.now();
    const fixed = await openLoop(target, bodies, RATE, 256, (i) => (sentAt[i] = t0 + (i * 1000) / RATE));
    const ids = first.map((tx) => String(tx.id));
    await bus.waitAll(ids, SETTLE_MS);
    const fixedCost = cost(p0, await probe(svc.pid, probeFile), FIXED_EVENTS, performance.now() - t0);
    const lat = ids.map((id, i) => bus.seen.get(id)! - (t0 + (i * 1000) / RATE)).sort((a, b) => a - b);

    ctx.log(`creating ${BURST_EVENTS} more; then delivering them ${BURST_CONCURRENCY} in flight`);
    const second = await approvedPayments(sandbox, svc.url, apiKey, BURST_EVENTS);
    const p1 = await probe(svc.pid, probeFile);
    const s1 = schedstat(svc.pid);
    const bench1 = process.cpuUsage();
    const t1 = performance.now();
    const burst = await closedLoop(
      target,
      second.map((tx) => delivery(tx, secret)),
      BURST_CONCURRENCY,
    );
    const ids2 = second.map((tx) => String(tx.id));
    if (fixed.errors || burst.errors)
      ctx.log(`ingress answered other than 200: ${fixed.errors} + ${burst.errors} times`);
    await bus.waitAll(ids2, SETTLE_MS);
    const burstWallMs = performance.now() - t1;
    const burstCost = cost(p1, await probe(svc.pid, probeFile), BURST_EVENTS, burstWallMs);
    const s2 = schedstat(svc.pid);
    const loopRan = (s2.runNs - s1.runNs) / 1e6 / burstWallMs;
    const loopWaited = (s2.waitNs - s1.waitNs) / 1e6 / burstWallMs;
    const benchCpu = process.cpuUsage(bench1);
    const benchShare = (benchCpu.user + benchCpu.system) / 1000 / burstWallMs;
    const applySeconds = (Math.max(...ids2.map((id) => bus.seen.get(id)!)) - t1) / 1000;
    // the service is one event loop: when it is on a core or waiting for one nearly all the time,
    // CPU per event is the limit (on a dedicated core: 1000 / CPU ms per event); else it waits on I/O
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    const capacity = `${(1000 / burstCost.cpuMsPerEvent).toFixed(0)} events/s`;
    const bottleneck =
      loopRan + loopWaited >= 0.8
        ? `the service's event loop CPU: ${burstCost.cpuMsPerEvent.toFixed(2)} ms per event (≈ ${capacity} on a dedicated core); ` +
          `while draining its thread ran ${pct(loopRan)} and waited for a core ${pct(loopWaited)} of the time`
        : `waiting on I/O, not CPU (event loop ran ${pct(loopRan)}, waited for a core ${pct(loopWaited)}): ` +
          `${burstCost.pgPerEvent.toFixed(1)} Postgres and ${burstCost.redisRoundTripsPerEvent.toFixed(1)} Redis round trips ` +
          `per event plus verify-by-fetch; FULFILMENT_CONCURRENCY bounds how many are in flight`;
    ctx.log(`bottleneck: ${bottleneck}`);
    if (fixed.errors || burst.errors) throw new Error(`ingress errors: ${fixed.errors + burst.errors}`);
    const note =
      `ROLE=all, NODE_ENV=production, LOG_LEVEL=info, node ${nodeArgs.slice(2).join(' ')}; one process; verify-by-fetch against the in-bench sandbox` +
      Object.entries(overrides)
        .map(([k, v]) => `; ${k}=${v}`)
        .join('');
    const results: BenchResult[] = [
      {
        bench: 'end-to-end',
        metric: `webhook → CloudEvent at ${RATE}/s: p50`,
        value: percentile(lat, 50),
        unit: 'ms',
        n: lat.length,
        notes: note,
      },
      {
        bench: 'end-to-end',
        metric: `webhook → CloudEvent at ${RATE}/s: p99`,
        value: percentile(lat, 99),
        unit: 'ms',
        n: lat.length,
        notes: `target < 150; ingress p99 ${fixed.p99.toFixed(1)} ms`,
      },
      {
        bench: 'end-to-end',
        metric: 'sustained apply rate',
        value: BURST_EVENTS / applySeconds,
        unit: 'events/s',
        n: BURST_EVENTS,
        notes: `${BURST_EVENTS} deliveries ${BURST_CONCURRENCY} in flight (ingress took ${burst.seconds.toFixed(1)} s) → last CloudEvent consumed`,
      },
      {
        bench: 'end-to-end',
        metric: `service CPU per event at ${RATE}/s`,
        value: fixedCost.cpuMsPerEvent,
        unit: 'ms',
        n: FIXED_EVENTS,
        notes: `ingest + apply + publish, one process; ${(fixedCost.cpuShare * 100).toFixed(0)}% of a core; ${fixedCost.systemMsPerEvent.toFixed(2)} ms of it in the kernel`,
      },
      {
        bench: 'end-to-end',
        metric: 'service CPU per event, draining',
        value: burstCost.cpuMsPerEvent,
        unit: 'ms',
        n: BURST_EVENTS,
        notes: `${burstCost.systemMsPerEvent.toFixed(2)} ms of it in the kernel; ${pct(burstCost.cpuShare)} of a core (event loop ran ${pct(loopRan)}, waited for a core ${pct(loopWaited)}); bench process (load, sandbox, consumer) ${pct(benchShare)}; ≈ ${capacity} on a dedicated core`,
      },
      {
        bench: 'end-to-end',
        metric: 'Postgres round trips per event',
        value: burstCost.pgPerEvent,
        unit: 'queries',
        n: BURST_EVENTS,
        notes: `at ${RATE}/s: ${fixedCost.pgPerEvent.toFixed(2)} (relay and sweeper polls included)`,
      },
      {
        bench: 'end-to-end',
        metric: 'Redis round trips per event',
        value: burstCost.redisRoundTripsPerEvent,
        unit: 'round trips',
        n: BURST_EVENTS,
        notes: `${burstCost.redisCommandsPerEvent.toFixed(1)} commands (a pipeline or MULTI is one round trip); at ${RATE}/s: ${fixedCost.redisRoundTripsPerEvent.toFixed(2)}`,
      },
      {
        bench: 'end-to-end',
        metric: 'bottleneck',
        value: loopRan + loopWaited,
        unit: 'CPU-bound share',
        n: BURST_EVENTS,
        notes: bottleneck,
      },
      {
        bench: 'end-to-end',
        metric: 'peak RSS (ROLE=all)',
        value: svc.peakRssMb(),
        unit: 'MB',
        n: FIXED_EVENTS + BURST_EVENTS,
      },
    ];
    await bus.close();
    await svc.stop();
    // the same fixed-rate phase as the Helm chart deploys it: ROLE=api and ROLE=worker processes
    return [...results, ...(await splitRoles(ctx, sandbox, apiKey, overrides, nodeArgs.slice(2)))];
  } finally {
    await bus.close();
    await svc.stop();
    await sandbox.close();
    if (process.env.BENCH_KEEP_DB) ctx.log(`kept database ${db.name}`);
    else await db.drop();
    rmSync(probeFile, { force: true });
  }
}
