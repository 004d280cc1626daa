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
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: async () => { await server.stop(); await db.close(); } };
}

const stops = [];
let pg;
if (!env.DATABASE_URL) {
  pg = await startEmbeddedPostgres();
  stops.push(pg.stop);
  env.DATABASE_URL = pg.url;
  env.DB_POOL_MAX = '1'; // PGlite is one session: one connection keeps transactions honest
}
if (!env.REDIS_URL) env.QUEUE_DRIVER = 'memory';
if (!env.AMQP_URL) env.BUS_DRIVER = 'log';
env.NODE_ENV ??= 'development';
env.DB_MIGRATIONS_RUN ??= 'true';
env.PORT ??= '3000';

const { startSandbox } = require(join(root, 'dist/src/sandbox/start-sandbox.js'));
const { loadSandboxConfig } = require(join(root, 'dist/src/config/sandbox-config.js'));
const sandboxCfg = loadSandboxConfig(env);
const sandbox = await startSandbox({ ...sandboxCfg, port: sandboxCfg.port ?? 3100, eventsUrl: env.SANDBOX_EVENTS_URL ?? `http://127.0.0.1:${env.PORT}/v1/webhooks/wompi` });
stops.push(() => sandbox.close());
env.WOMPI_BASE_URL ??= sandbox.baseUrl;
env.WOMPI_PUBLIC_KEY ??= sandbox.keys.publicKey;
env.WOMPI_PRIVATE_KEY ??= sandbox.keys.privateKey;
env.WOMPI_INTEGRITY_SECRET ??= sandbox.keys.integritySecret;
env.WOMPI_EVENTS_SECRET ??= sandbox.keys.eventsSecret;
const devKey = env.DEV_API_KEY ?? 'dev_' + randomBytes(16).toString('hex');
env.INTERNAL_API_KEYS ??= `dev:${devKey}`;

const { bootstrap } = require(join(root, 'dist/src/main.js'));
await bootstrap();

const base = `http://127.0.0.1:${env.PORT}`;
out('');
out('payments service (dev)');
out(`  service     ${base}   (docs ${base}/docs, health ${base}/health/ready, metrics ${base}/metrics)`);
out(`  sandbox     ${sandbox.baseUrl}   (admin ${sandbox.origin}/__sandbox/faults)`);
out(`  sandbox keys (test only, generated unless SANDBOX_* are set):`);
out(`              public ${sandbox.keys.publicKey}   private ${sandbox.keys.privateKey}`);
out(`              integrity ${sandbox.keys.integritySecret}   events ${sandbox.keys.eventsSecret}`);
out(`  database    ${pg ? 'embedded PGlite, data in .data/pglite' : 'DATABASE_URL'}`);
out(`  queue       ${env.QUEUE_DRIVER === 'memory' ? 'in-process (dev only)' : 'Bull on REDIS_URL'};  events → ${env.BUS_DRIVER === 'log' ? 'the log' : 'RabbitMQ'}`);
out(`  dev API key ${env.INTERNAL_API_KEYS.includes(devKey) ? devKey : '(from INTERNAL_API_KEYS)'}`);
out(`  try: curl -H "Authorization: Bearer ${devKey}" ${base}/v1/acceptance`);
out('');

const shutdown = async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
