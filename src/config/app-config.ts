/**
 * The one typed configuration object. Built once at boot by `loadConfig` from the
 * environment; nothing else in the service reads `process.env`. The class doubles as the
 * DI token, so any provider can inject `AppConfig`.
 */
import type { LogFormat, LogLevel } from './log-config';
import type { TracingConfig } from './tracing-config';

export type Role = 'api' | 'worker' | 'all';
export type WompiEnvironment = 'test' | 'prod';
export type QueueDriver = 'bull' | 'memory';
export type BusDriver = 'amqp' | 'log';

export interface ApiKey {
  name: string;
  key: string;
}

export interface WompiConfig {
  baseUrl: string;
  /** derived from the key prefixes (`pub_test_` → test) and checked against the URL */
  environment: WompiEnvironment;
  publicKey: string;
  privateKey: string;
  integritySecret: string;
  /** every entry is accepted when verifying events (rotation) */
  eventsSecrets: string[];
  /** Web Checkout base used to build checkout URLs */
  checkoutUrl: string;
  timeoutMs: number;
  /** consecutive failures that open the breaker */
  breakerThreshold: number;
  /** how long the breaker stays open before a half-open probe */
  breakerCooldownMs: number;
  /** concurrent calls allowed through the bulkhead */
  maxConcurrent: number;
  /** retries for safe calls (reads, writes that never reached Wompi) */
  retryAttempts: number;
  retryBaseDelayMs: number;
  /** fetch an APPROVED transaction from Wompi before applying a webhook's APPROVED */
  verifyApprovedByFetch: boolean;
}

/** The transactional outbox relay (worker role). */
export interface OutboxConfig {
  /** how often the relay looks for due rows when idle (a local write nudges it at once) */
  pollMs: number;
  /** rows claimed per round */
  batchSize: number;
  /** how long a claimed row is reserved for the claiming relay (must outlive a publish) */
  leaseMs: number;
  /** failed publishes (broker refusals, not outages) before a row is parked DEAD */
  maxAttempts: number;
  /** retry backoff: base * 2^(attempts-1), capped */
  retryBaseMs: number;
  retryMaxMs: number;
  /** how long a publish waits for the broker's confirm */
  publishTimeoutMs: number;
}

/** Reconciliation runs against Wompi's listing (docs/reconciliation.md). */
export interface ReconciliationConfig {
  /** RECONCILIATION_ENABLED: schedule the daily run (worker role; default on in worker/all) */
  enabled: boolean;
  /** local hour (0-23) of the daily run, in `timeZone` */
  hour: number;
  /** IANA zone the daily run's hour and "previous day" are read in */
  timeZone: string;
  /** the daily run also covers this many hours before the previous day */
  overlapHours: number;
  /** Wompi listing page size */
  pageSize: number;
  /** longest range an operator may ask for */
  maxRangeDays: number;
  /** how long a run waits out a Wompi outage before it fails */
  maxWaitMs: number;
}

/** Where the client's address comes from: false = the socket; a hop count or proxy addresses/CIDRs = X-Forwarded-For through them. */
export type TrustProxy = false | number | string[];

/** Rate limits (docs/security-rate-limits.md): fixed one-minute windows, per key. */
export interface RateLimitConfig {
  enabled: boolean;
  /** memory: per process; redis: one budget shared by every replica (in-memory insurance while Redis is away) */
  store: 'memory' | 'redis';
  /** the store's Redis (RATE_LIMIT_REDIS_URL, else REDIS_URL); only with store=redis */
  redisUrl: string | undefined;
  /** requests a minute per internal caller (API key name) */
  internalPerMin: number;
  /** refused API keys a minute per source address before 429 */
  unauthenticatedPerMin: number;
  /** webhook deliveries failing verification a minute per source address before 429 */
  webhookUnverifiedPerMin: number;
}

export abstract class AppConfig {
  nodeEnv!: 'production' | 'development' | 'test';
  port!: number;
  role!: Role;
  logLevel!: LogLevel;
  /** LOG_FORMAT: json, or pretty (one human line per entry; the default in development) */
  logFormat!: LogFormat;
  /** Nest's start-up chatter at debug (development) */
  logQuietStartup!: boolean;
  /** DOCS_ENABLED: serve /docs and /docs-json (default on, off with NODE_ENV=production) */
  docsEnabled!: boolean;
  databaseUrl!: string;
  /** connections in the Postgres pool (1 for the embedded dev database: one session) */
  dbPoolMax!: number;
  /** run pending migrations at boot (dev only; production uses the migration Job) */
  migrationsRun!: boolean;
  /**
   * DB_HEALTH_CONNECTION: readiness pings Postgres on a connection of its own, outside the pool
   * (false only for the one-session embedded database of `npm run dev`)
   */
  dbHealthConnection!: boolean;
  redisUrl!: string | undefined;
  queueDriver!: QueueDriver;
  /** key prefix for Bull queues, lets tests and tenants share one Redis */
  queuePrefix!: string;
  amqpUrl!: string | undefined;
  busDriver!: BusDriver;
  amqpExchange!: string;
  /** CloudEvents `source` */
  eventSource!: string;
  outbox!: OutboxConfig;
  /** webhook events applied concurrently per worker process */
  fulfilmentConcurrency!: number;
  wompi!: WompiConfig;
  /**
   * WOMPI_ASYNC_URL_WAIT_MS: how long a create may keep fetching a PSE / Bancolombia transfer /
   * PCOL transaction from Wompi when its answer lacks `async_payment_url` (0: never wait).
   */
  asyncUrlWaitMs!: number;
  /** the stale-payment poller (webhooks lost): its pace against Wompi, per worker process */
  stalePoll!: StalePollConfig;
  /** the buyer-retry window and the give-up horizons (docs/buyer-retry-and-horizons.md) */
  horizons!: HorizonsConfig;
  apiKeys!: ApiKey[];
  /** callers allowed on operator routes (inbox, outbox); empty = none (default-deny) */
  operatorCallers!: string[];
  /**
   * EXTERNAL_PAYMENTS_OWNER: the caller (of INTERNAL_API_KEYS) that owns Wompi transactions with
   * a reference this service never issued; null = nobody (recorded as external, never fulfilled)
   */
  externalPaymentsOwner!: string | null;
  /** how long Idempotency-Key records are kept (at least 24 h) */
  idempotencyTtlHours!: number;
  /** webhook inbox rows unprocessed for longer than this are re-enqueued by the sweeper */
  inboxSweepAfterMs!: number;
  /** days to keep SENT outbox rows and settled inbox rows (PROCESSED/IGNORED); 0 keeps them */
  /** inboxScrubHours: settled inbox rows lose their buyer data after this (0 = never) */
  retention!: { outboxSentDays: number; inboxSettledDays: number; inboxScrubHours: number };
  /** how long a graceful shutdown may wait for running jobs */
  shutdownTimeoutMs!: number;
  /** TRUST_PROXY: whose X-Forwarded-For is believed for the client address (default nobody) */
  trustProxy!: TrustProxy;
  rateLimits!: RateLimitConfig;
  /** OpenTelemetry tracing (OTEL_*; docs/observability.md) */
  tracing!: TracingConfig;
  reconciliation!: ReconciliationConfig;
}

export interface HorizonsConfig {
  /** BUYER_RETRY_WINDOW_S: a buyer-retryable payment's DECLINED/ERROR is published this long after it (0: at once) */
  buyerRetryWindowS: number;
  /** PENDING_HORIZONS: per payment method (`*`: the rest), seconds after creation when a payment still PENDING at Wompi becomes EXPIRED */
  pendingHorizonsS: Record<string, number>;
  /** PENDING_POLL_MAX_INTERVALS: per payment method, the longest pause between two polls of a PENDING payment */
  pollMaxIntervalsS: Record<string, number>;
  /** CHECKOUT_SESSION_DEFAULT_TTL_S: a checkout session without expiration_time and without a transaction expires this long after creation */
  checkoutSessionTtlS: number;
}

export interface StalePollConfig {
  /** STALE_POLL_AFTER_MS: a PENDING payment untouched this long is first asked about (then its back-off decides) */
  afterMs: number;
  /** STALE_POLL_EVERY_MS: pause after a round that found less than a full batch */
  everyMs: number;
  /** STALE_POLL_BATCH: rows claimed per round (a full batch starts the next round at once) */
  batch: number;
  /** STALE_POLL_CONCURRENCY: Wompi GETs in flight at once */
  concurrency: number;
  /** STALE_POLL_RATE_PER_S: Wompi GETs started per second, at most */
  ratePerSecond: number;
}
