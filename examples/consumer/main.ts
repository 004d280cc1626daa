/**
 * Runs the sample consumer: `npx ts-node --transpile-only examples/consumer/main.ts`.
 * Reads its own environment (it is a separate service, not part of src/): see README.md.
 */
import { Pool } from 'pg';
import { Log, PaymentEventsConsumer } from './consumer';

const env = process.env;

function int(name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got ${raw})`);
  return n;
}

/** One JSON line per log record on stdout. */
const log: Log = (level, msg, fields = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);

async function main(): Promise<void> {
  const prefetch = int('CONSUMER_PREFETCH', 10, 1);
  const pool = new Pool({
    connectionString: env.CONSUMER_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/example_consumer',
    // one connection per message in flight, plus one for the schema at start
    max: prefetch + 1,
    connectionTimeoutMillis: 5000,
  });
  pool.on('error', (err) => log('warn', 'idle database connection failed', { err: err.message }));

  const consumer = new PaymentEventsConsumer({
    amqpUrl: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    exchange: env.AMQP_EXCHANGE ?? 'payments.events',
    queue: env.CONSUMER_QUEUE ?? 'example-consumer.payments',
    pool,
    prefetch,
    deliveryLimit: int('CONSUMER_DELIVERY_LIMIT', 10, 1),
    retryBaseMs: int('CONSUMER_RETRY_BASE_MS', 1000, 0),
    retryMaxMs: int('CONSUMER_RETRY_MAX_MS', 30_000, 0),
    log,
  });

  let exiting = false;
  const shutdown = async (why: string, code: number) => {
    if (exiting) return;
    exiting = true;
    log('info', 'shutting down', { why });
    // a shutdown that hangs (a stuck query) must not block the supervisor's restart forever
    setTimeout(() => process.exit(code || 1), 20_000).unref();
    await consumer.stop().catch((err: unknown) => log('error', 'stop failed', { err: String(err) }));
    await pool.end().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  // Lost broker: exit non-zero; the broker requeued whatever we had not acked.
  void consumer.lost.then((err) => shutdown(err.message, 1));

  await consumer.start();
}

main().catch((err: unknown) => {
  log('error', 'consumer failed to start', { err: String(err) });
  process.exit(1);
});
