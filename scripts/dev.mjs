// `npm run dev`: the whole service on a machine with nothing but Node.js.
// Embedded Postgres (PGlite behind its Postgres-protocol socket server, data under .data/),
// the in-process queue, outbound events to the log, and the built-in Wompi sandbox with
// generated test keys. With DATABASE_URL / REDIS_URL / AMQP_URL set, those are used instead.
// Dev only: this launcher is the one place that prepares the environment for src/main.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const out = (s) => process.stdout.write(s + '\n');

async function startEmbeddedPostgres() {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const dataDir = join(root, '.data', 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const port = Number(env.DEV_PG_PORT ?? 54329);
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 1 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** A port in use is the one start-up failure a newcomer meets: say which variable moves it. */
function portTaken(err, what, variable) {
  if (err?.code !== 'EADDRINUSE') throw err;
  process.stderr.write(
    `\n${what} cannot listen: port ${err.port ?? '?'} is taken (another npm run dev?). ` +
      `Stop that process, or pick another port: ${variable}=<port> npm run dev (docs/development.md)\n`,
  );
  process.exit(1);
}

const stops = [];
let pg;
if (!env.DATABASE_URL) {
  pg = await startEmbeddedPostgres().catch((err) => portTaken(err, 'the embedded Postgres', 'DEV_PG_PORT'));
  stops.push(pg.stop);
  env.DATABASE_URL = pg.url;
  env.DB_POOL_MAX = '1'; // PGlite is one session: one connection keeps transactions honest
  env.DB_HEALTH_CONNECTION = 'false'; // …and readiness must share it rather than wait for a second
}
if (!env.REDIS_URL) env.QUEUE_DRIVER = 'memory';
if (!env.AMQP_URL) env.BUS_DRIVER = 'log';
env.NODE_ENV ??= 'development';
env.DB_MIGRATIONS_RUN ??= 'true';
env.PORT ??= '3000';

// The compiled service (`npm run dev` builds first). DEV_BUILD_DIR lets the banner test run
// this launcher on the TypeScript sources (the repo root, under ts-node) instead.
const build = env.DEV_BUILD_DIR ?? join(root, 'dist');
const load = (mod) => require(join(build, mod));
// tracing first (it patches http, express, pg… as they load): OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
// is set; otherwise, at LOG_LEVEL=debug, every span is printed to the log (docs/observability.md)
load('src/tracing');
// One log format from the first line on (LOG_FORMAT: pretty by default here, json in production):
// the sandbox's and Nest's own lines go through the service's logger, never Nest's coloured text.
const { Logger } = require('@nestjs/common');
const { loadLogConfig } = load('src/config/log-config');
const { createProcessLogger } = load('src/common/logging/log-output');
Logger.overrideLogger(createProcessLogger(loadLogConfig(env)));
const { startSandbox } = load('src/sandbox/start-sandbox');
const { loadSandboxConfig } = load('src/config/sandbox-config');
const sandboxCfg = loadSandboxConfig(env);
const sandbox = await startSandbox({
  ...sandboxCfg,
  port: sandboxCfg.port ?? 3100,
  eventsUrl: env.SANDBOX_EVENTS_URL ?? `http://127.0.0.1:${env.PORT}/v1/webhooks/wompi`,
}).catch((err) => portTaken(err, 'the sandbox', 'SANDBOX_PORT'));
stops.push(() => sandbox.close());
env.WOMPI_BASE_URL ??= sandbox.baseUrl;
env.WOMPI_PUBLIC_KEY ??= sandbox.keys.publicKey;
env.WOMPI_PRIVATE_KEY ??= sandbox.keys.privateKey;
env.WOMPI_INTEGRITY_SECRET ??= sandbox.keys.integritySecret;
env.WOMPI_EVENTS_SECRET ??= sandbox.keys.eventsSecret;
// API keys: INTERNAL_API_KEYS when set (its keys are the operator's: never printed, only the
// caller names); otherwise one caller "dev" with DEV_API_KEY or a generated key, printed.
let devKey;
let callers = [];
if (env.INTERNAL_API_KEYS?.trim()) {
  callers = env.INTERNAL_API_KEYS.split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => (e.indexOf(':') > 0 ? e.slice(0, e.indexOf(':')) : '?'));
} else {
  devKey = env.DEV_API_KEY || 'dev_' + randomBytes(16).toString('hex');
  env.INTERNAL_API_KEYS = `dev:${devKey}`;
  // operator routes are default-deny; the dev caller is the one person at the keyboard
  env.OPERATOR_CALLERS ??= 'dev';
}

const { bootstrap } = load('src/main');
const app = await bootstrap().catch((err) => portTaken(err, 'the service', 'PORT'));
// The banner comes last: after the app listens and every start-up line (buffered by Nest until
// the logger is attached) has been written, so the keys stay on screen.
app.flushLogs();
await new Promise((resolve) => setImmediate(resolve));

const base = `http://127.0.0.1:${env.PORT}`;
out('');
out('payments service (dev)');
const docs = /^(0|false|no|off)$/i.test(env.DOCS_ENABLED ?? '') ? 'docs off (DOCS_ENABLED)' : `docs ${base}/docs`;
out(`  service     ${base}   (${docs}, health ${base}/health/ready, metrics ${base}/metrics)`);
out(`  sandbox     ${sandbox.baseUrl}   (admin ${sandbox.origin}/__sandbox/faults)`);
out(`  sandbox keys (test only, generated unless SANDBOX_* are set):`);
out(`              public ${sandbox.keys.publicKey}   private ${sandbox.keys.privateKey}`);
out(`              integrity ${sandbox.keys.integritySecret}   events ${sandbox.keys.eventsSecret}`);
out(`  database    ${pg ? 'embedded PGlite, data in .data/pglite' : 'DATABASE_URL'}`);
const traces =
  env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? 'OTLP to OTEL_EXPORTER_OTLP_ENDPOINT'
    : /^(debug|trace)$/.test(env.LOG_LEVEL ?? '')
      ? 'printed to the log (debug lines "span")'
      : 'off (LOG_LEVEL=debug prints them; OTEL_EXPORTER_OTLP_ENDPOINT exports them)';
out(`  metrics     ${base}/metrics   traces ${traces}`);
out(
  `  queue       ${env.QUEUE_DRIVER === 'memory' ? 'in-process (dev only)' : 'Bull on REDIS_URL'};  events → ${env.BUS_DRIVER === 'log' ? 'the log' : 'RabbitMQ'}`,
);
if (devKey) {
  out(
    `  dev API key ${devKey}   (caller dev; ${env.DEV_API_KEY ? 'from DEV_API_KEY' : 'generated, pin it with DEV_API_KEY'})`,
  );
  out(`  try: curl -H "Authorization: Bearer ${devKey}" ${base}/v1/acceptance`);
} else {
  out(
    `  API keys    from INTERNAL_API_KEYS, callers ${callers.join(', ')} (keys not shown${env.DEV_API_KEY ? '; DEV_API_KEY unused' : ''})`,
  );
  out(`  try: curl -H "Authorization: Bearer <${callers[0]}'s key in INTERNAL_API_KEYS>" ${base}/v1/acceptance`);
}
out(`  stop        Ctrl+C${pg ? '   reset: stop, then rm -rf .data (the embedded database and its data)' : ''}`);
out('');

const shutdown = async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
