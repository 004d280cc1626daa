/* Webhook ingress against a minimal correct server, side by side in one run with the same load
 * generator: the baseline (bench/baseline-server.ts: node:http, the same checksum and event
 * key, one INSERT … ON CONFLICT DO NOTHING) and the service's `api` role, each its own process.
 * Every ingest figure is also reported as a ratio to the baseline's. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { computeEventChecksum } from '../src/wompi/signatures';
import { closedLoop, LoadResult, openLoop, Target } from './load';
import { freePort, startChild } from './processes';
import { BenchContext, BenchResult, benchEnv, createBenchDatabase, newApiKey, startBenchSandbox } from './support';

/** BENCH_SCALE (e.g. 0.25) shrinks every phase for a quick comparison; 1 for the figures. */
const SCALE = Math.min(1, Math.max(0.05, Number(process.env.BENCH_SCALE ?? 1) || 1));
const n = (count: number) => Math.round(count * SCALE);
const WARMUP = n(1000);
const CONCURRENCY = 20;
const UNIQUE = n(6000);
const SEQUENTIAL = n(500);
const REDELIVERIES = n(3000);
const REDELIVERED_EVENTS = 50;
const FIXED_RATE = 500;
const FIXED_SECONDS = Math.max(2, Math.round(10 * SCALE));

export function signedBody(secret: string, id: string, status = 'APPROVED'): string {
  const timestamp = Math.floor(Date.now() / 1000);
  const transaction = {
    id,
    created_at: new Date().toISOString(),
    finalized_at: new Date().toISOString(),
    amount_in_cents: 2_490_000,
    reference: `bench-${id}`,
    customer_email: 'buyer@example.com',
    currency: 'COP',
    payment_method_type: 'CARD',
    payment_method: { type: 'CARD', extra: { brand: 'VISA', last_four: '4242' }, installments: 1 },
    status,
    status_message: null,
    shipping_address: null,
    redirect_url: null,
    payment_source_id: null,
    payment_link_id: null,
    customer_data: null,
    billing_data: null,
    origin: null,
  };
  const event = {
    event: 'transaction.updated',
    data: { transaction },
    sent_at: new Date().toISOString(),
    timestamp,
    signature: { checksum: '', properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'] },
    environment: 'test',
  };
  event.signature.checksum = computeEventChecksum(event, secret);
  return JSON.stringify(event);
}

/**
 * The V8 flags `npm start` runs the service with (the image and the Helm chart set the same
 * through NODE_OPTIONS), so the bench measures the process as deployed.
 */
export function serviceNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--'));
}

export const txId = (): string => `15113-${Math.floor(Date.now() / 1000)}-${randomBytes(5).toString('hex')}`;

/** a load phase's result plus the server process's CPU time (user + system) per answered request */
type Phase = LoadResult & { cpuUsPerReq: number };

interface Phases {
  unique: Phase;
  sequential: Phase;
  redeliveries: Phase;
  fixed: Phase;
  sent: number;
}

interface Server {
  name: string;
  t: Target;
  /** the server process's CPU time so far, ms */
  cpuMs: () => number;
}

/**
 * Every phase runs on both servers back to back (alternating which goes first), so the two
 * ratios compare runs seconds apart rather than minutes: on a shared machine the load changes
 * between the baseline's phases and the service's.
 */
async function phases(ctx: BenchContext, servers: [Server, Server], secret: string): Promise<[Phases, Phases]> {
  const bodies = (n: number) => Array.from({ length: n }, () => signedBody(secret, txId()));
  // bodies are signed before a phase starts, so the server's CPU clock covers only its answers
  const measured = async (s: Server, load: (t: Target) => Promise<LoadResult>): Promise<Phase> => {
    const before = s.cpuMs();
    const r = await load(s.t);
    if (r.errors) throw new Error(`${s.name}: ${r.errors} answers were not 200`);
    return { ...r, cpuUsPerReq: ((s.cpuMs() - before) * 1000) / Math.max(1, r.sent) };
  };
  let turn = 0;
  const both = async (label: string, make: () => string[], load: (t: Target, b: string[]) => Promise<LoadResult>) => {
    const order = turn++ % 2 === 0 ? [0, 1] : [1, 0];
    const out: Phase[] = [];
    for (const i of order) {
      ctx.log(`${servers[i].name}: ${label}`);
      const b = make();
      out[i] = await measured(servers[i], (t) => load(t, b));
    }
    return out as [Phase, Phase];
  };
  const warm = await both(
    `${WARMUP} warm-up events`,
    () => bodies(WARMUP),
    (t, b) => closedLoop(t, b, 8),
  );
  const unique = await both(
    `${UNIQUE} new events, ${CONCURRENCY} in flight`,
    () => bodies(UNIQUE),
    (t, b) => closedLoop(t, b, CONCURRENCY),
  );
  const sequential = await both(
    `${SEQUENTIAL} new events, one at a time`,
    () => bodies(SEQUENTIAL),
    (t, b) => closedLoop(t, b, 1),
  );
  const redeliveries = await both(
    `${REDELIVERIES} redeliveries of ${REDELIVERED_EVENTS} events, ${CONCURRENCY} in flight`,
    () => {
      const ids = Array.from({ length: REDELIVERED_EVENTS }, txId);
      return Array.from({ length: REDELIVERIES }, (_, i) => signedBody(secret, ids[i % ids.length]));
    },
    (t, b) => closedLoop(t, b, CONCURRENCY),
  );
  const fixed = await both(
    `${FIXED_RATE}/s for ${FIXED_SECONDS} s`,
    () => bodies(FIXED_RATE * FIXED_SECONDS),
    (t, b) => openLoop(t, b, FIXED_RATE),
  );
  const of = (i: number): Phases => ({
    unique: unique[i],
    sequential: sequential[i],
    redeliveries: redeliveries[i],
    fixed: fixed[i],
    sent: warm[i].sent + unique[i].sent + sequential[i].sent + redeliveries[i].sent + fixed[i].sent,
  });
  return [of(0), of(1)];
}

function rows(p: Phases, base: Phases, note: string): BenchResult[] {
  const bench = 'webhook-ingest';
  const r = (metric: string, value: number, unit: string, n: number, notes = note): BenchResult => ({
    bench,
    metric,
    value,
    unit,
    n,
    notes,
  });
  const ratio = (a: number, b: number) => a / b;
  return [
    r(`c=${CONCURRENCY} throughput`, p.unique.rate, 'req/s', p.unique.sent),
    r(
      `c=${CONCURRENCY} throughput ÷ baseline`,
      ratio(p.unique.rate, base.unique.rate),
      '×',
      p.unique.sent,
      `baseline ${base.unique.rate.toFixed(0)} req/s; target ≥ 0.6`,
    ),
    r(
      `c=${CONCURRENCY} p50 / p99`,
      p.unique.p50,
      'ms',
      p.unique.sent,
      `p99 ${p.unique.p99.toFixed(1)} ms; baseline p50 ${base.unique.p50.toFixed(1)} / p99 ${base.unique.p99.toFixed(1)} ms`,
    ),
    r(
      `${FIXED_RATE}/s fixed rate: achieved`,
      p.fixed.rate,
      'req/s',
      p.fixed.sent,
      `baseline ${base.fixed.rate.toFixed(0)} req/s`,
    ),
    r(
      `${FIXED_RATE}/s fixed rate: p99`,
      p.fixed.p99,
      'ms',
      p.fixed.sent,
      `p50 ${p.fixed.p50.toFixed(1)} ms; baseline p99 ${base.fixed.p99.toFixed(1)} ms; target < 50 (from scheduled send time)`,
    ),
    r(
      'sequential p50',
      p.sequential.p50,
      'ms',
      p.sequential.sent,
      `p99 ${p.sequential.p99.toFixed(1)} ms; baseline p50 ${base.sequential.p50.toFixed(2)} ms; target ≤ 2`,
    ),
    r(
      `redeliveries c=${CONCURRENCY} throughput`,
      p.redeliveries.rate,
      'req/s',
      p.redeliveries.sent,
      `p99 ${p.redeliveries.p99.toFixed(1)} ms; new events ${p.unique.rate.toFixed(0)} req/s (target: at least as fast)`,
    ),
    r(
      `redeliveries ÷ baseline`,
      ratio(p.redeliveries.rate, base.redeliveries.rate),
      '×',
      p.redeliveries.sent,
      `baseline ${base.redeliveries.rate.toFixed(0)} req/s`,
    ),
    ...(['unique', 'sequential', 'redeliveries', 'fixed'] as const).map((phase) =>
      r(
        `CPU per request: ${PHASE_NAMES[phase]}`,
        p[phase].cpuUsPerReq,
        'µs',
        p[phase].sent,
        `baseline ${base[phase].cpuUsPerReq.toFixed(0)} µs (${ratio(p[phase].cpuUsPerReq, base[phase].cpuUsPerReq).toFixed(2)}×); server process user+system time, /proc`,
      ),
    ),
  ];
}

const PHASE_NAMES = {
  unique: `new events c=${CONCURRENCY}`,
  sequential: 'sequential',
  redeliveries: `redeliveries c=${CONCURRENCY}`,
  fixed: `${FIXED_RATE}/s fixed rate`,
};

/** The api's own view of its memory (prom-client's default metrics), after the load. */
async function heapBreakdown(url: string): Promise<string> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const mb = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN) / 1024 / 1024;
    const space = (s: string) => mb(new RegExp(`^nodejs_heap_space_size_total_bytes\\{space="${s}"\\} (\\S+)`, 'm'));
    return [
      `heap total ${mb(/^nodejs_heap_size_total_bytes (\S+)/m).toFixed(0)} (used ${mb(/^nodejs_heap_size_used_bytes (\S+)/m).toFixed(0)})`,
      `new ${space('new').toFixed(0)}, old ${space('old').toFixed(0)}, code ${space('code').toFixed(1)}, large ${space('large_object').toFixed(0)}`,
      `external ${mb(/^nodejs_external_memory_bytes (\S+)/m).toFixed(1)} MB`,
    ].join('; ');
  } catch (err) {
    return `heap breakdown unavailable: ${(err as Error).message}`;
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const sandbox = await startBenchSandbox();
  const secret = sandbox.keys.eventsSecret;
  const [svcDb, baseDb] = [await createBenchDatabase(), await createBenchDatabase()];
  const baseline = await startChild(
    'bench/baseline-server.js',
    await freePort(),
    { DATABASE_URL: baseDb.url, EVENTS_SECRET: secret },
    '/',
  );
  // the api role alone, as in production (info logs, written to a pipe nobody reads)
  // BENCH_SERVICE_MAIN: another build's main.js, to measure what a change bought;
  // BENCH_NODE_ARGS: other V8 flags than npm start's ("none" for none)
  const nodeArgs =
    process.env.BENCH_NODE_ARGS === undefined
      ? serviceNodeArgs()
      : process.env.BENCH_NODE_ARGS.split(/\s+/).filter((a) => a.startsWith('--'));
  const svc = await startChild(
    process.env.BENCH_SERVICE_MAIN ?? 'src/main.js',
    await freePort(),
    benchEnv(svcDb, sandbox, newApiKey(), { ROLE: 'api', NODE_ENV: 'production', LOG_LEVEL: 'info' }),
    '/health/live',
    undefined,
    nodeArgs,
  );
  const db = new Pool({ connectionString: svcDb.url, max: 2 });
  try {
    const path = '/v1/webhooks/wompi';
    svc.resetPeak();
    const [base, mine] = await phases(
      ctx,
      [
        { name: 'baseline', t: { url: baseline.url, path }, cpuMs: () => baseline.cpuMs() },
        { name: 'service', t: { url: svc.url, path }, cpuMs: () => svc.cpuMs() },
      ],
      secret,
    );
    const split = svc.peakRssSplit();
    const heap = await heapBreakdown(svc.url);
    const baseRss = baseline.peakRssMb();
    const { rows: counted } = await db.query<{ rows: number; deliveries: number }>(
      `select count(*)::int as rows, sum(delivery_count)::int as deliveries from webhook_inbox`,
    );
    if (counted[0].deliveries !== mine.sent)
      throw new Error(`inbox counted ${counted[0].deliveries} deliveries, sent ${mine.sent}`);
    ctx.log(`inbox: ${counted[0].rows} rows for ${counted[0].deliveries} deliveries`);
    const note = `role api, NODE_ENV=production, LOG_LEVEL=info, node ${nodeArgs.join(' ') || '(no flags)'}; loopback keep-alive; body ~${Buffer.byteLength(signedBody(secret, txId()))} B`;
    return [
      ...rows(mine, base, note),
      {
        bench: 'webhook-ingest',
        metric: 'api peak RSS under load',
        value: split.rss,
        unit: 'MB',
        n: mine.sent,
        notes: `VmRSS sampled every 100 ms through every phase (warm-up included); target < 250; baseline peak ${baseRss.toFixed(0)} MB`,
      },
      {
        bench: 'webhook-ingest',
        metric: 'api RSS at its peak: anonymous / file-backed',
        value: split.anon,
        unit: 'MB',
        n: mine.sent,
        notes: `anonymous (V8 heap, malloc, buffers) ${split.anon.toFixed(0)} MB, file-backed (node binary, libraries) ${split.file.toFixed(0)} MB; after the load: ${heap}`,
      },
      {
        bench: 'webhook-ingest',
        metric: 'baseline c=20 throughput',
        value: base.unique.rate,
        unit: 'req/s',
        n: base.unique.sent,
        notes: `p50 ${base.unique.p50.toFixed(1)} / p99 ${base.unique.p99.toFixed(1)} ms`,
      },
    ];
  } finally {
    await db.end();
    await svc.stop();
    await baseline.stop();
    await sandbox.close();
    await svcDb.drop();
    await baseDb.drop();
  }
}
