/* Outbound events: webhook-to-bus latency (a signed Wompi delivery POSTed to the ingress →
 * the CloudEvent consumed from RabbitMQ, through inbox, Bull, verify-by-fetch, the state
 * machine, the outbox and the relay) and how fast the relay drains a 10,000-row backlog. */
import * as amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { WompiGateway } from '../src/wompi/wompi-gateway.port';
import { computeEventChecksum } from '../src/wompi/signatures';
import { WompiTransaction } from '../src/wompi/wompi.types';
import { BenchApp, BenchContext, BenchResult, percentile } from './support';

const LATENCY_SAMPLES = 200;
const WARMUP = 10;
const BACKLOG_PAYMENTS = 5_000; // two events each (approved, then voided): 10,000 rows
const BACKLOG_ROWS = BACKLOG_PAYMENTS * 2;

interface Observer {
  count(): number;
  next(subject: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function observe(url: string, exchange: string): Promise<Observer> {
  const conn = await amqplib.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, exchange, '#');
  await ch.prefetch(1000);
  let seen = 0;
  const waiters = new Map<string, () => void>();
  await ch.consume(
    q.queue,
    (msg) => {
      if (!msg) return;
      seen++;
      const subject = (JSON.parse(msg.content.toString('utf8')) as { subject: string }).subject;
      waiters.get(subject)?.();
    },
    { noAck: true },
  );
  return {
    count: () => seen,
    next: (subject, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event for ${subject} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(subject, () => {
          clearTimeout(timer);
          waiters.delete(subject);
          resolve();
        });
      }),
    async close() {
      await ch.deleteExchange(exchange).catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

async function approvedTransactions(b: BenchApp, db: Pool, n: number): Promise<WompiTransaction[]> {
  const gateway = b.app.get(WompiGateway);
  const out: WompiTransaction[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async () => {
        const reference = `bench-${randomBytes(6).toString('hex')}`;
        const amount = 1_000_000 + Math.floor(Math.random() * 1_000_000);
        await db.query(
          `insert into payments (reference, wompi_reference, caller, status, amount_in_cents, currency, metadata) values ($1, $1, 'bench', 'PENDING', $2, 'COP', '{"order_id":"bench"}')`,
          [reference, amount],
        );
        const tokens = await gateway.getAcceptanceTokens();
        const card = await gateway.createCardToken({
          number: '4242424242424242',
          cvc: '123',
          exp_month: '12',
          exp_year: '29',
          card_holder: 'Bench Buyer',
        });
        const tx = await gateway.createTransaction({
          reference,
          amount_in_cents: amount,
          currency: 'COP',
          customer_email: 'buyer@example.com',
          acceptance_token: tokens.presigned_acceptance.acceptance_token,
          payment_method: { type: 'CARD', token: card.id, installments: 1 },
        });
        for (let tries = 0; tries < 100; tries++) {
          const now = await gateway.getTransaction(tx.id);
          if (now.status !== 'PENDING') return now;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`sandbox transaction ${tx.id} never finalized`);
      }),
    );
    out.push(...batch);
  }
  return out;
}

function signedDelivery(tx: WompiTransaction, eventsSecret: string): string {
  const timestamp = Math.floor(Date.now() / 1000);
  const event = {
    event: 'transaction.updated',
    data: { transaction: tx },
    sent_at: new Date().toISOString(),
    timestamp,
    signature: { checksum: '', properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'] },
    environment: 'test',
  };
  event.signature.checksum = computeEventChecksum(event, eventsSecret);
  return JSON.stringify(event);
}

async function latency(ctx: BenchContext, b: BenchApp, db: Pool, bus: Observer): Promise<BenchResult[]> {
  b.sandbox.setEventsUrl(undefined); // the bench delivers (and times) every event itself
  ctx.log(`creating ${LATENCY_SAMPLES + WARMUP} approved sandbox transactions`);
  const txs = await approvedTransactions(b, db, LATENCY_SAMPLES + WARMUP);
  const samples: number[] = [];
  for (const [i, tx] of txs.entries()) {
    const body = signedDelivery(tx, b.sandbox.keys.eventsSecret);
    const consumed = bus.next(tx.reference, 15_000);
    const t0 = performance.now();
    const res = await fetch(`${b.url}/v1/webhooks/wompi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    await consumed;
    if (i >= WARMUP) samples.push(performance.now() - t0);
  }
  samples.sort((a, b2) => a - b2);
  const notes = 'signed POST → consumed from RabbitMQ; sequential; includes verify-by-fetch of the APPROVED';
  // where the time goes, from the rows' own timestamps (same clock: the database's)
  const refs = txs.slice(WARMUP).map((t) => t.reference);
  const { rows: split } = await db.query<{ inbox_ms: number; outbox_ms: number }>(
    `select percentile_cont(0.5) within group (order by extract(epoch from i.processed_at - i.received_at) * 1000) as inbox_ms,
            (select percentile_cont(0.5) within group (order by extract(epoch from o.sent_at - o.created_at) * 1000)
               from outbox o join payments p on p.id = o.aggregate_id where p.reference = any($1)) as outbox_ms
       from webhook_inbox i where i.payload #>> '{data,transaction,reference}' = any($1)`,
    [refs],
  );
  return [
    {
      bench: 'outbox',
      metric: 'webhook-to-bus p50',
      value: percentile(samples, 50),
      unit: 'ms',
      n: samples.length,
      notes,
    },
    {
      bench: 'outbox',
      metric: 'webhook-to-bus p99',
      value: percentile(samples, 99),
      unit: 'ms',
      n: samples.length,
      notes,
    },
    {
      bench: 'outbox',
      metric: 'inbox received → processed p50',
      value: Number(split[0].inbox_ms),
      unit: 'ms',
      n: samples.length,
      notes: 'ingress commit, Bull pickup, Wompi fetch, apply transaction',
    },
    {
      bench: 'outbox',
      metric: 'outbox written → SENT p50',
      value: Number(split[0].outbox_ms),
      unit: 'ms',
      n: samples.length,
      notes: 'relay nudge, publish, broker confirm, mark',
    },
  ];
}

async function drain(ctx: BenchContext, b: BenchApp, db: Pool, bus: Observer): Promise<BenchResult[]> {
  const data = JSON.stringify({
    reference: 'bench',
    status: 'APPROVED',
    amount_in_cents: 4_990_000,
    currency: 'COP',
    payment_method_type: 'CARD',
    metadata: { order_id: 'bench' },
    padding: 'x'.repeat(600),
  });
  const before = bus.count();
  ctx.log(`inserting a backlog of ${BACKLOG_ROWS} outbox rows`);
  const t0 = performance.now();
  await db.query(
    `insert into outbox (event_id, aggregate_id, event_type, routing_key, payload)
     select e.id, e.agg, e.type, e.type,
            jsonb_build_object('specversion', '1.0', 'id', e.id, 'source', '/payments-service', 'type', e.type,
                               'subject', 'backlog-' || e.p, 'time', now(), 'datacontenttype', 'application/json', 'data', $2::jsonb)
       from (select gen_random_uuid() as id, md5('bench-' || p)::uuid as agg, p, k,
                    case k when 1 then 'transaction.approved' else 'transaction.voided' end as type
               from generate_series(1, $1::int) as p, generate_series(1, 2) as k
              order by p, k) e`,
    [BACKLOG_PAYMENTS, data],
  );
  const inserted = performance.now();
  const deadline = Date.now() + 300_000;
  let sentAt = 0;
  while (Date.now() < deadline) {
    if (!sentAt) {
      const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from outbox where status <> 'SENT'`);
      if (rows[0].n === 0) sentAt = performance.now();
    }
    if (sentAt && bus.count() - before >= BACKLOG_ROWS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!sentAt || bus.count() - before < BACKLOG_ROWS)
    throw new Error(`backlog not drained in time (consumed ${bus.count() - before})`);
  const consumedAt = performance.now();
  const secondsSent = (sentAt - inserted) / 1000;
  const secondsConsumed = (consumedAt - inserted) / 1000;
  ctx.log(`backlog inserted in ${Math.round(inserted - t0)} ms; all SENT after ${secondsSent.toFixed(2)} s`);
  const cfg = b.config.outbox;
  const notes = `${BACKLOG_PAYMENTS} payments × 2 ordered events; batch ${cfg.batchSize}, one relay, publisher confirms`;
  return [
    {
      bench: 'outbox',
      metric: 'backlog drain (marked SENT)',
      value: BACKLOG_ROWS / secondsSent,
      unit: 'rows/s',
      n: BACKLOG_ROWS,
      notes,
    },
    {
      bench: 'outbox',
      metric: 'backlog drain (consumed)',
      value: BACKLOG_ROWS / secondsConsumed,
      unit: 'rows/s',
      n: BACKLOG_ROWS,
      notes,
    },
    {
      bench: 'outbox',
      metric: 'backlog drain time',
      value: secondsConsumed,
      unit: 's',
      n: BACKLOG_ROWS,
      notes: 'insert commit → last message consumed',
    },
  ];
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const b = await ctx.startApp();
  const db = new Pool({ connectionString: b.databaseUrl, max: 5 });
  const bus = await observe(b.config.amqpUrl!, b.config.amqpExchange);
  try {
    return [...(await latency(ctx, b, db, bus)), ...(await drain(ctx, b, db, bus))];
  } finally {
    await bus.close();
    await db.end();
    await b.close();
  }
}
