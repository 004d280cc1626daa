import { ApiKey, AppConfig, OutboxConfig, Role, WompiConfig, WompiEnvironment } from './app-config';
import { Env, EnvReader } from './env-reader';
import { readLogConfig } from './log-config';
import { loadHorizons } from './horizons-config';
import { loadRateLimits, parseTrustProxy } from './rate-limit-config';
import { loadReconciliation } from './reconciliation-config';
import { loadTracingConfig } from './tracing-config';

const KEY_PREFIXES = {
  WOMPI_PUBLIC_KEY: { test: 'pub_test_', prod: 'pub_prod_' },
  WOMPI_PRIVATE_KEY: { test: 'prv_test_', prod: 'prv_prod_' },
  WOMPI_INTEGRITY_SECRET: { test: 'test_integrity_', prod: 'prod_integrity_' },
  WOMPI_EVENTS_SECRET: { test: 'test_events_', prod: 'prod_events_' },
} as const;

type KeyVar = keyof typeof KEY_PREFIXES;

const PRODUCTION_HOST = 'production.wompi.co';
const SANDBOX_HOSTS = ['sandbox.wompi.co', 'api-sandbox.wompi.co'];

function keyEnvironment(variable: KeyVar, value: string): WompiEnvironment | undefined {
  const p = KEY_PREFIXES[variable];
  if (value.startsWith(p.test)) return 'test';
  if (value.startsWith(p.prod)) return 'prod';
  return undefined;
}

/** Environment implied by the URL alone: Wompi's own hosts are unambiguous, others are not. */
export function urlEnvironment(url: URL): WompiEnvironment | undefined {
  if (url.hostname === PRODUCTION_HOST) return 'prod';
  if (SANDBOX_HOSTS.includes(url.hostname)) return 'test';
  return undefined;
}

function parseApiKeys(reader: EnvReader, text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const names = new Set<string>();
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const idx = entry.indexOf(':');
    const name = idx > 0 ? entry.slice(0, idx) : '';
    const key = idx > 0 ? entry.slice(idx + 1) : '';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || key.length === 0) {
      reader.problem(`INTERNAL_API_KEYS entry ${i + 1} must be name:key (name of letters, digits, . _ -)`);
      return;
    }
    if (key.length < 16) {
      reader.problem(`INTERNAL_API_KEYS entry ${i + 1} (${name}) has a key shorter than 16 characters`);
      return;
    }
    if (names.has(name)) {
      reader.problem(`INTERNAL_API_KEYS names ${name} more than once`);
      return;
    }
    names.add(name);
    keys.push({ name, key });
  });
  if (entries.length > 0 && keys.length === 0 && reader.problems.length === 0) {
    reader.problem('INTERNAL_API_KEYS has no valid entry');
  }
  return keys;
}

function loadWompi(r: EnvReader): WompiConfig {
  const baseUrlText = r.required('WOMPI_BASE_URL');
  const values: Record<KeyVar, string> = {
    WOMPI_PUBLIC_KEY: r.required('WOMPI_PUBLIC_KEY'),
    WOMPI_PRIVATE_KEY: r.required('WOMPI_PRIVATE_KEY'),
    WOMPI_INTEGRITY_SECRET: r.required('WOMPI_INTEGRITY_SECRET'),
    WOMPI_EVENTS_SECRET: r.required('WOMPI_EVENTS_SECRET'),
  };
  const eventsSecrets = values.WOMPI_EVENTS_SECRET.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

  // Which environment does each key belong to? Collect every disagreement.
  const seen = new Map<WompiEnvironment, string[]>();
  const note = (env: WompiEnvironment, variable: string) => seen.set(env, [...(seen.get(env) ?? []), variable]);
  (Object.keys(KEY_PREFIXES) as KeyVar[]).forEach((variable) => {
    if (!values[variable]) return;
    const list = variable === 'WOMPI_EVENTS_SECRET' ? eventsSecrets : [values[variable]];
    list.forEach((value, i) => {
      const env = keyEnvironment(variable, value);
      const label = list.length > 1 ? `${variable}[${i + 1}]` : variable;
      if (!env) {
        const p = KEY_PREFIXES[variable];
        r.problem(`${label} must start with ${p.test} or ${p.prod}`);
      } else note(env, label);
    });
  });
  if (seen.size > 1) {
    r.problem(
      `test and production Wompi keys are mixed: test keys in ${seen.get('test')!.join(', ')}; production keys in ${seen.get('prod')!.join(', ')}`,
    );
  }
  const keyEnv: WompiEnvironment | undefined = seen.size === 1 ? [...seen.keys()][0] : undefined;

  const url = r.url('WOMPI_BASE_URL', baseUrlText || undefined, ['https:', 'http:']);
  if (url) {
    // Each key is checked against the URL on its own, so mixed keys still name the ones that
    // disagree with it (the operator fixes them in one go).
    const implied = urlEnvironment(url);
    const against = implied ? (implied === 'test' ? seen.get('prod') : seen.get('test')) : undefined;
    if (implied && against?.length) {
      const kind = implied === 'test' ? 'production' : 'test';
      const verb = against.length > 1 ? `are ${kind} keys` : `is a ${kind} key`;
      r.problem(
        `WOMPI_BASE_URL ${url.origin} is Wompi's ${implied === 'prod' ? 'production' : 'sandbox'} API but ${against.join(', ')} ${verb}`,
      );
    }
    if (url.protocol !== 'https:' && (seen.has('prod') || implied)) {
      r.problem("WOMPI_BASE_URL must use https with production keys and for Wompi's own hosts");
    }
  }
  // Buyers are sent to the checkout URL with our signed parameters: https with production keys.
  const checkoutText = r.optional('WOMPI_CHECKOUT_URL', 'https://checkout.wompi.co/p/');
  const checkout = r.url('WOMPI_CHECKOUT_URL', checkoutText, ['https:', 'http:']);
  if (checkout && checkout.protocol !== 'https:' && seen.has('prod'))
    r.problem('WOMPI_CHECKOUT_URL must use https with production keys');
  return {
    baseUrl: (baseUrlText || '').replace(/\/+$/, ''),
    environment: keyEnv ?? 'test',
    publicKey: values.WOMPI_PUBLIC_KEY,
    privateKey: values.WOMPI_PRIVATE_KEY,
    integritySecret: values.WOMPI_INTEGRITY_SECRET,
    eventsSecrets,
    checkoutUrl: checkoutText,
    timeoutMs: r.int('WOMPI_TIMEOUT_MS', 8000, 100, 120_000),
    breakerThreshold: r.int('WOMPI_BREAKER_THRESHOLD', 5, 1, 1000),
    breakerCooldownMs: r.int('WOMPI_BREAKER_COOLDOWN_MS', 30_000, 10, 3_600_000),
    maxConcurrent: r.int('WOMPI_MAX_CONCURRENT', 32, 1, 10_000),
    retryAttempts: r.int('WOMPI_RETRY_ATTEMPTS', 3, 1, 10),
    retryBaseDelayMs: r.int('WOMPI_RETRY_BASE_DELAY_MS', 1000, 0, 60_000),
    verifyApprovedByFetch: r.bool('WOMPI_VERIFY_APPROVED_BY_FETCH', true),
  };
}

function loadOutbox(r: EnvReader): OutboxConfig {
  const o: OutboxConfig = {
    pollMs: r.int('OUTBOX_POLL_MS', 250, 10, 60_000),
    batchSize: r.int('OUTBOX_BATCH_SIZE', 200, 1, 5000),
    leaseMs: r.int('OUTBOX_LEASE_MS', 30_000, 100, 3_600_000),
    maxAttempts: r.int('OUTBOX_MAX_ATTEMPTS', 10, 1, 1000),
    retryBaseMs: r.int('OUTBOX_RETRY_BASE_MS', 1000, 1, 3_600_000),
    retryMaxMs: r.int('OUTBOX_RETRY_MAX_MS', 60_000, 1, 86_400_000),
    publishTimeoutMs: r.int('AMQP_PUBLISH_TIMEOUT_MS', 5000, 50, 120_000),
  };
  if (o.leaseMs <= o.publishTimeoutMs)
    r.problem(
      'OUTBOX_LEASE_MS must be longer than AMQP_PUBLISH_TIMEOUT_MS (a claimed row must not be re-claimed while its publish may still succeed)',
    );
  if (o.retryMaxMs < o.retryBaseMs) r.problem('OUTBOX_RETRY_MAX_MS must be at least OUTBOX_RETRY_BASE_MS');
  return o;
}

/**
 * Builds and validates the whole configuration. Throws one `ConfigError` listing every
 * problem (missing variables, key prefixes that disagree with the URL or with each other,
 * non-HTTPS production URL, malformed INTERNAL_API_KEYS).
 */
export function loadConfig(env: Env): AppConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['production', 'development', 'test'] as const, 'development');
  const role = r.oneOf<Role>('ROLE', ['api', 'worker', 'all'], 'all');
  const databaseUrl = r.required('DATABASE_URL');
  r.url('DATABASE_URL', databaseUrl || undefined, ['postgres:', 'postgresql:']);

  const queueDriver = r.oneOf('QUEUE_DRIVER', ['bull', 'memory'] as const, 'bull');
  const redisUrl = queueDriver === 'bull' ? r.required('REDIS_URL') : r.raw('REDIS_URL');
  r.url('REDIS_URL', redisUrl || undefined, ['redis:', 'rediss:']);
  if (queueDriver === 'memory' && nodeEnv === 'production') {
    r.problem('QUEUE_DRIVER=memory is for development only and is refused with NODE_ENV=production');
  }

  const amqpUrl = r.raw('AMQP_URL');
  r.url('AMQP_URL', amqpUrl, ['amqp:', 'amqps:']);
  const busDriver = r.oneOf('BUS_DRIVER', ['amqp', 'log'] as const, amqpUrl ? 'amqp' : 'log');
  if (busDriver === 'amqp' && !amqpUrl) r.problem('AMQP_URL is required when BUS_DRIVER=amqp');

  const wompi = loadWompi(r);
  const apiKeys = parseApiKeys(r, r.required('INTERNAL_API_KEYS'));
  const operatorCallers = (r.raw('OPERATOR_CALLERS') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const name of operatorCallers) {
    if (apiKeys.length > 0 && !apiKeys.some((k) => k.name === name))
      r.problem(`OPERATOR_CALLERS names ${name}, which is not a caller of INTERNAL_API_KEYS`);
  }
  const externalPaymentsOwner = r.raw('EXTERNAL_PAYMENTS_OWNER')?.trim() || null;
  if (externalPaymentsOwner && apiKeys.length > 0 && !apiKeys.some((k) => k.name === externalPaymentsOwner)) {
    r.problem(`EXTERNAL_PAYMENTS_OWNER names ${externalPaymentsOwner}, which is not a caller of INTERNAL_API_KEYS`);
  }

  const log = readLogConfig(r, nodeEnv);
  const cfg: AppConfig = {
    nodeEnv,
    port: r.int('PORT', 3000, 0, 65535),
    role,
    logLevel: log.level,
    logFormat: log.format,
    logQuietStartup: log.quietStartup,
    // the OpenAPI UI maps the whole internal API: off in production unless asked for
    docsEnabled: r.bool('DOCS_ENABLED', nodeEnv !== 'production'),
    databaseUrl,
    dbPoolMax: r.int('DB_POOL_MAX', 10, 1, 200),
    migrationsRun: r.bool('DB_MIGRATIONS_RUN', false),
    dbHealthConnection: r.bool('DB_HEALTH_CONNECTION', true),
    redisUrl,
    queueDriver,
    queuePrefix: r.optional('QUEUE_PREFIX', 'payments'),
    amqpUrl,
    busDriver,
    amqpExchange: r.optional('AMQP_EXCHANGE', 'payments.events'),
    eventSource: r.optional('EVENT_SOURCE', '/payments-service'),
    outbox: loadOutbox(r),
    fulfilmentConcurrency: r.int('FULFILMENT_CONCURRENCY', 32, 1, 256),
    wompi,
    asyncUrlWaitMs: r.int('WOMPI_ASYNC_URL_WAIT_MS', 3000, 0, 30_000),
    stalePoll: {
      afterMs: r.int('STALE_POLL_AFTER_MS', 60_000, 100, 86_400_000),
      everyMs: r.int('STALE_POLL_EVERY_MS', 30_000, 100, 3_600_000),
      batch: r.int('STALE_POLL_BATCH', 100, 1, 1000),
      concurrency: r.int('STALE_POLL_CONCURRENCY', 8, 1, 64),
      ratePerSecond: r.int('STALE_POLL_RATE_PER_S', 20, 1, 150),
    },
    horizons: loadHorizons(r),
    apiKeys,
    operatorCallers,
    externalPaymentsOwner,
    idempotencyTtlHours: r.int('IDEMPOTENCY_TTL_HOURS', 24, 24, 24 * 30),
    inboxSweepAfterMs: r.int('INBOX_SWEEP_AFTER_MS', 60_000, 100, 86_400_000),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 25_000, 0, 600_000),
    retention: {
      outboxSentDays: r.int('RETENTION_OUTBOX_SENT_DAYS', 7, 0, 3650),
      inboxSettledDays: r.int('RETENTION_INBOX_DAYS', 90, 0, 3650),
      inboxScrubHours: r.int('RETENTION_INBOX_SCRUB_HOURS', 24, 0, 87_600),
    },
    trustProxy: parseTrustProxy(r),
    rateLimits: loadRateLimits(r, nodeEnv, redisUrl),
    reconciliation: loadReconciliation(r, role),
    tracing: loadTracingConfig(r, nodeEnv, log.level),
  };
  r.throwIfProblems();
  return cfg;
}

/** The process environment, read here and nowhere else. */
export function loadConfigFromProcessEnv(): AppConfig {
  return loadConfig(process.env);
}
