/* One drill's stack: a fresh migrated database, Postgres and RabbitMQ behind fault proxies, a
 * Redis of its own, the in-process sandbox, one api and two workers as separate processes,
 * and an observer queue on the drill's own exchange. Loopback only. */
import * as amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { RunningSandbox, startSandbox } from '../src/sandbox/start-sandbox';
import { FaultProxy } from './proxy';
import { freePort, OwnRedis, ReadinessMonitor, ServiceProcess } from './procs';

// The real services, as for `npm test` (the drills never stop them: they are cut at the proxies).
/** the one internal caller the drills' load runs as */
export const CHAOS_CALLER = 'chaos';

export const PG_ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const AMQP_REAL_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface ConsumedEvent {
  id: string;
  type: string;
  subject: string;
  at: number;
}

export interface StackOptions {
  drill: string;
  logDir: string;
  /** extra env for every role (drill-specific tuning) */
  env?: Record<string, string>;
  retryDelaysMs: number[];
}

function withDb(url: string, db: string, host?: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (host) u.host = host;
  return u.toString();
}

async function pgAdmin(sql: string): Promise<void> {
  const c = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export class Stack {
  readonly dbName: string;
  readonly dbUrl: string;
  readonly exchange: string;
  readonly apiKey = `chaos-${randomBytes(16).toString('hex')}`;
  readonly events: ConsumedEvent[] = [];
  readonly pgProxy: FaultProxy;
  readonly amqpProxy: FaultProxy;
  redis!: OwnRedis;
  sandbox!: RunningSandbox;
  api!: ServiceProcess;
  workers: ServiceProcess[] = [];
  readiness!: ReadinessMonitor;
  readonly sandboxRetryDelays: number[];
  private bus?: { conn: amqplib.ChannelModel; ch: amqplib.Channel };
  private dbCreated = false;

  constructor(private readonly opts: StackOptions) {
    this.sandboxRetryDelays = opts.retryDelaysMs;
    const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    this.dbName = `chaos_${opts.drill.replace(/[^a-z0-9]/g, '_')}_${id}`;
    this.dbUrl = withDb(PG_ADMIN_URL, this.dbName);
    this.exchange = `payments.events.chaos.${this.dbName}`;
    const pg = new URL(PG_ADMIN_URL);
    const mq = new URL(AMQP_REAL_URL);
    this.pgProxy = new FaultProxy('postgres', pg.hostname, Number(pg.port || 5432));
    this.amqpProxy = new FaultProxy('rabbitmq', mq.hostname, Number(mq.port || 5672));
  }

  get processes(): ServiceProcess[] {
    return [this.api, ...this.workers].filter(Boolean);
  }

  async start(): Promise<void> {
    await pgAdmin(`create database ${this.dbName}`);
    this.dbCreated = true;
    const ds = new DataSource({ ...dataSourceOptions(this.dbUrl), entities: [] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();

    await this.pgProxy.start();
    await this.amqpProxy.start();
    this.redis = new OwnRedis(await freePort());
    await this.redis.start();
    this.sandbox = await startSandbox({
      port: 0,
      silent: true,
      cardDelayMs: 1000,
      asyncDelayMs: 3000,
      retryDelaysMs: this.opts.retryDelaysMs,
      deliveryTimeoutMs: 10_000,
    });
    await this.observeBus();

    const mq = new URL(AMQP_REAL_URL);
    mq.host = `127.0.0.1:${this.amqpProxy.port}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      DATABASE_URL: withDb(PG_ADMIN_URL, this.dbName, `127.0.0.1:${this.pgProxy.port}`),
      REDIS_URL: this.redis.url,
      AMQP_URL: mq.toString(),
      AMQP_EXCHANGE: this.exchange,
      QUEUE_PREFIX: `chaos-${this.dbName}`,
      WOMPI_BASE_URL: this.sandbox.baseUrl,
      WOMPI_PUBLIC_KEY: this.sandbox.keys.publicKey,
      WOMPI_PRIVATE_KEY: this.sandbox.keys.privateKey,
      WOMPI_INTEGRITY_SECRET: this.sandbox.keys.integritySecret,
      WOMPI_EVENTS_SECRET: this.sandbox.keys.eventsSecret,
      INTERNAL_API_KEYS: `${CHAOS_CALLER}:${this.apiKey}`,
      INBOX_SWEEP_AFTER_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      ...this.opts.env,
    };
    this.api = new ServiceProcess(
      'api',
      await freePort(),
      { ...env, ROLE: 'api' },
      join(this.opts.logDir, `${this.opts.drill}-api.log`),
    );
    this.workers = [];
    for (const n of [1, 2])
      this.workers.push(
        new ServiceProcess(
          `worker${n}`,
          await freePort(),
          { ...env, ROLE: 'worker' },
          join(this.opts.logDir, `${this.opts.drill}-worker${n}.log`),
        ),
      );
    await Promise.all(this.processes.map((p) => p.start()));
    this.sandbox.setEventsUrl(`${this.api.url}/v1/webhooks/wompi`);
    this.readiness = new ReadinessMonitor(() => this.processes);
    this.readiness.start();
  }

  /** An exclusive queue bound with `#` to the drill's exchange, on the real broker (not proxied). */
  private async observeBus(): Promise<void> {
    const conn = await amqplib.connect(AMQP_REAL_URL);
    const ch = await conn.createChannel();
    await ch.assertExchange(this.exchange, 'topic', { durable: true });
    const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(q.queue, this.exchange, '#');
    await ch.consume(
      q.queue,
      (msg) => {
        if (!msg) return;
        try {
          const ev = JSON.parse(msg.content.toString('utf8')) as { id: string; type: string; subject: string };
          this.events.push({ id: ev.id, type: ev.type, subject: ev.subject, at: Date.now() });
        } catch {
          this.events.push({
            id: `unparseable:${msg.properties.messageId}`,
            type: msg.fields.routingKey,
            subject: '',
            at: Date.now(),
          });
        }
      },
      { noAck: true },
    );
    this.bus = { conn, ch };
  }

  async sandboxFaults(faults: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.sandbox.origin}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    if (res.status !== 200) throw new Error(`sandbox faults answered ${res.status}: ${await res.text()}`);
  }

  /** Stops everything this stack started; the database is dropped unless `keepDb`. Never throws. */
  async stop(keepDb = false): Promise<void> {
    const quiet = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch {
        /* cleanup goes on */
      }
    };
    this.readiness?.stop();
    this.sandbox?.setEventsUrl(undefined);
    await Promise.all(this.processes.map((p) => quiet(() => p.terminate(5_000))));
    this.processes.forEach((p) => p.closeLog());
    await quiet(async () => {
      await this.bus?.ch.deleteExchange(this.exchange);
      await this.bus?.conn.close();
    });
    await quiet(() => this.sandbox?.close());
    await quiet(() => this.pgProxy.close());
    await quiet(() => this.amqpProxy.close());
    await quiet(() => this.redis?.kill());
    if (this.dbCreated && !keepDb) await quiet(() => pgAdmin(`drop database if exists ${this.dbName} with (force)`));
  }
}
