/* Webhook ingress: signed Wompi deliveries POSTed over loopback to an `api`-role service
 * (verify → one inbox upsert → one Bull enqueue → 200; no processing in this process).
 * Throughput and latency at bounded concurrency, for new events and for redeliveries. */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { computeEventChecksum } from '../src/wompi/signatures';
import { BenchApp, BenchContext, BenchResult, percentile } from './support';

const WARMUP = 200;
const UNIQUE = 4000;
const CONCURRENCY = 32;
const SEQUENTIAL = 500;
const REDELIVERIES = 2000;
const REDELIVERED_EVENTS = 50;
/** every phase stops here, whatever N says */
const PHASE_DEADLINE_MS = 120_000;

function signedBody(secret: string, id: string, status = 'APPROVED'): string {
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
  const event = { event: 'transaction.updated', data: { transaction }, sent_at: new Date().toISOString(), timestamp, signature: { checksum: '', properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'] }, environment: 'test' };
  event.signature.checksum = computeEventChecksum(event, secret);
  return JSON.stringify(event);
}

const txId = () => `15113-${Math.floor(Date.now() / 1000)}-${randomBytes(5).toString('hex')}`;

/** One POST on a keep-alive agent; resolves with the status. */
function post(url: URL, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/v1/webhooks/wompi', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Phase {
  latencies: number[];
  seconds: number;
  sent: number;
}

/** Sends `bodies` with at most `concurrency` in flight; every answer must be 200. */
async function blast(b: BenchApp, bodies: string[], concurrency: number): Promise<Phase> {
  const url = new URL(b.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const deadline = Date.now() + PHASE_DEADLINE_MS;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length && Date.now() < deadline) {
      const body = bodies[next++];
      const s = performance.now();
      const status = await post(url, agent, body);
      latencies.push(performance.now() - s);
      if (status !== 200) throw new Error(`ingress answered ${status}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  return { latencies, seconds, sent: latencies.length };
}

function results(metricPrefix: string, p: Phase, notes: string): BenchResult[] {
  return [
    { bench: 'webhook-ingest', metric: `${metricPrefix} throughput`, value: p.sent / p.seconds, unit: 'req/s', n: p.sent, notes },
    { bench: 'webhook-ingest', metric: `${metricPrefix} p50`, value: percentile(p.latencies, 50), unit: 'ms', n: p.sent, notes },
    { bench: 'webhook-ingest', metric: `${metricPrefix} p99`, value: percentile(p.latencies, 99), unit: 'ms', n: p.sent, notes },
  ];
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  // api role: the ingress alone (the worker would compete for the same CPU and database)
  const b = await ctx.startApp({ ROLE: 'api', LOG_LEVEL: 'error' });
  b.sandbox.setEventsUrl(undefined);
  const db = new Pool({ connectionString: b.databaseUrl, max: 2 });
  const secret = b.sandbox.keys.eventsSecret;
  try {
    await blast(b, Array.from({ length: WARMUP }, () => signedBody(secret, txId())), 8);

    ctx.log(`${UNIQUE} new events, ${CONCURRENCY} in flight`);
    const unique = await blast(b, Array.from({ length: UNIQUE }, () => signedBody(secret, txId())), CONCURRENCY);

    ctx.log(`${SEQUENTIAL} new events, one at a time`);
    const sequential = await blast(b, Array.from({ length: SEQUENTIAL }, () => signedBody(secret, txId())), 1);

    ctx.log(`${REDELIVERIES} redeliveries of ${REDELIVERED_EVENTS} events, ${CONCURRENCY} in flight`);
    const ids = Array.from({ length: REDELIVERED_EVENTS }, txId);
    const dup = await blast(b, Array.from({ length: REDELIVERIES }, (_, i) => signedBody(secret, ids[i % ids.length])), CONCURRENCY);

    const { rows } = await db.query<{ rows: number; deliveries: number }>(`select count(*)::int as rows, sum(delivery_count)::int as deliveries from webhook_inbox`);
    const expected = WARMUP + unique.sent + sequential.sent + dup.sent;
    if (rows[0].deliveries !== expected) throw new Error(`inbox counted ${rows[0].deliveries} deliveries, sent ${expected}`);
    ctx.log(`inbox: ${rows[0].rows} rows for ${rows[0].deliveries} deliveries`);

    const note = `loopback, keep-alive; verify + inbox upsert + Bull enqueue; role api; body ~${Buffer.byteLength(signedBody(secret, txId()))} B`;
    return [
      ...results(`new events c=${CONCURRENCY}`, unique, note),
      ...results('new events c=1', sequential, note),
      ...results(`redeliveries c=${CONCURRENCY}`, dup, `${REDELIVERED_EVENTS} events redelivered (ON CONFLICT path + no-op enqueue)`),
    ];
  } finally {
    await db.end();
    await b.close();
  }
}
