// `npm run test:image`: the real Dockerfile built on the local base image, then run the way the
// Helm chart runs it (read-only root filesystem, the image's non-root user, no capabilities)
// against this machine's Postgres, Redis and RabbitMQ (--network host): migration hook, api,
// worker and sandbox containers, a payment to APPROVED with its CloudEvent, clean stops, and
// what the image contains. Then the compose stack (scripts/image/compose.mjs) with the same flow.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { checkContents } from './contents.mjs';
import { composeCheck } from './compose.mjs';
import { paymentFlow } from './flow.mjs';
import { DOCKER, HOST, KEYS, ROOT, docker, freePort, log, sh, waitFor, withDatabase } from './lib.mjs';

const require = createRequire(join(ROOT, 'package.json'));
const IMAGE = process.env.TEST_IMAGE_TAG ?? 'wompi-payments:test-image';
// The runtime stage's USER: the chart's runAsUser/runAsGroup are tested against the same line.
const USER = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^USER\s+(\S+)/gm)].pop()[1];
const STOP_GRACE_S = 35; // compose's stop_grace_period; the chart derives a longer one
const timings = {};
const t0 = Date.now();
const step = async (name, fn) => {
  const s = Date.now();
  const r = await fn();
  timings[name] = Math.round((Date.now() - s) / 100) / 10;
  return r;
};

const up = sh('bash', ['scripts/image/dockerd-up.sh'], { check: false, env: { ...process.env, DOCKER } });
if (up.status !== 0) {
  console.error(`test:image: the Docker engine is not available: ${up.stderr}`);
  process.exit(3); // .ci/run reads 3 as "skipped: dockerd cannot start"
}

const base = await step(
  'base image',
  () => sh('bash', ['scripts/image/base-image.sh'], { env: { ...process.env, DOCKER } }).stdout,
);
await step('docker build', () => {
  const args = [
    'build',
    '--network',
    'host',
    '-t',
    IMAGE,
    '--build-arg',
    `NPM_REGISTRY=${sh('npm', ['config', 'get', 'registry']).stdout}`,
  ];
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca) args.push('--secret', `id=npm_ca,src=${ca}`); // a build secret: in no layer, no history
  log(`docker build on ${base} (BuildKit)`);
  docker([...args, '.'], {
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
    timeoutMs: 1_800_000,
    inherit: process.env.TEST_IMAGE_VERBOSE === '1',
  });
});

// Every container runs like the chart's pods: read-only root, the image's user, no capabilities.
const HARDENED = [
  '--network',
  'host',
  '--read-only',
  '--tmpfs',
  '/tmp:rw,nosuid,nodev,size=64m',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
];
const tag = `img${process.pid}`;
const containers = [];
const db = `payments_image_${process.pid}`;
const { Client } = require('pg');
const admin = async (sql) => {
  const c = new Client({ connectionString: HOST.pgAdmin });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};

function run(name, env, cmd = []) {
  const full = `${tag}-${name}`;
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  docker(['run', '-d', '--name', full, ...HARDENED, ...envArgs, IMAGE, ...cmd]);
  containers.push(full);
  return full;
}

async function stopCleanly(name) {
  const s = Date.now();
  docker(['stop', '-t', String(STOP_GRACE_S), name], { timeoutMs: (STOP_GRACE_S + 30) * 1000 });
  const took = (Date.now() - s) / 1000;
  const code = docker(['inspect', '-f', '{{.State.ExitCode}}', name]).stdout;
  if (code !== '0' || took >= STOP_GRACE_S)
    throw new Error(
      `docker stop ${name}: exit ${code} after ${took.toFixed(1)}s (grace ${STOP_GRACE_S}s)\n${docker(['logs', '--tail', '30', name], { check: false }).stderr}`,
    );
  return took;
}

let failed = false;
const exchange = `payments.events.image-${process.pid}`;
try {
  await admin(`create database ${db}`);
  const dbUrl = withDatabase(HOST.pgAdmin, db);
  const [apiPort, workerPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];

  // The Helm hook's command, read from the chart so the two cannot drift apart.
  const hook = readFileSync(join(ROOT, 'helm/payments/templates/migration-job.yaml'), 'utf8');
  const migrate = JSON.parse(/command:\s*(\[.*\])/.exec(hook)[1]);
  await step('migration', () => {
    const r = docker(
      ['run', '--rm', ...HARDENED, '-e', 'NODE_ENV=production', '-e', `DATABASE_URL=${dbUrl}`, IMAGE, ...migrate],
      { check: false, timeoutMs: 180_000 },
    );
    if (r.status !== 0)
      throw new Error(
        `migration (${migrate.join(' ')}) exited ${r.status}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`,
      );
  });

  const appEnv = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    REDIS_URL: HOST.redis,
    AMQP_URL: HOST.amqp,
    AMQP_EXCHANGE: exchange,
    WOMPI_BASE_URL: `http://127.0.0.1:${sandboxPort}/v1`,
    WOMPI_PUBLIC_KEY: KEYS.pub,
    WOMPI_PRIVATE_KEY: KEYS.prv,
    WOMPI_INTEGRITY_SECRET: KEYS.integrity,
    WOMPI_EVENTS_SECRET: KEYS.events,
    INTERNAL_API_KEYS: KEYS.api,
    SHUTDOWN_TIMEOUT_MS: '25000',
  };
  const [sandbox, api, worker] = await step('start containers', () => [
    run(
      'sandbox',
      {
        SANDBOX_PORT: sandboxPort,
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_PUBLIC_KEY: KEYS.pub,
        SANDBOX_PRIVATE_KEY: KEYS.prv,
        SANDBOX_INTEGRITY_SECRET: KEYS.integrity,
        SANDBOX_EVENTS_SECRET: KEYS.events,
        SANDBOX_EVENTS_URL: `http://127.0.0.1:${apiPort}/v1/webhooks/wompi`,
      },
      ['node', 'dist/src/sandbox/main.js'],
    ),
    run('api', { ...appEnv, ROLE: 'api', PORT: apiPort }),
    run('worker', { ...appEnv, ROLE: 'worker', PORT: workerPort }),
  ]);

  await step('ready', () =>
    Promise.all(
      [apiPort, workerPort].map((p) =>
        waitFor(
          `/health/ready on :${p}`,
          120_000,
          async () =>
            (await fetch(`http://127.0.0.1:${p}/health/ready`, { signal: AbortSignal.timeout(5000) })).status === 200,
        ),
      ),
    ),
  );
  log('api and worker answer /health/ready 200');

  for (const c of [api, worker]) {
    const who = docker(['exec', c, 'id', '-u']).stdout + ':' + docker(['exec', c, 'id', '-g']).stdout;
    const caps = docker(['exec', c, 'sh', '-c', "grep CapBnd /proc/self/status | awk '{print $2}'"]).stdout;
    const write = docker(['exec', c, 'sh', '-c', 'touch /app/x'], { check: false });
    const preStop = docker(['exec', c, 'sleep', '0'], { check: false }); // the chart's preStop hook
    if (who !== USER || !/^0+$/.test(caps) || write.status === 0 || preStop.status !== 0) {
      throw new Error(
        `${c}: user ${who}, CapBnd ${caps}, /app writable ${write.status === 0}, sleep for preStop ${preStop.status === 0}`,
      );
    }
  }
  log(`containers run as ${USER} (the Dockerfile's USER), CapBnd 0, /app read-only; sleep (preStop) present`);

  const pay = await step('payment', () =>
    paymentFlow({
      api: `http://127.0.0.1:${apiPort}`,
      sandbox: `http://127.0.0.1:${sandboxPort}`,
      amqpUrl: HOST.amqp,
      exchange,
    }),
  );
  log(`payment ${pay.id} APPROVED; CloudEvent ${pay.eventId} consumed from ${exchange}`);

  for (const c of [api, worker, sandbox]) log(`docker stop ${c}: exit 0 in ${(await stopCleanly(c)).toFixed(1)}s`);

  await step('contents', () => checkContents(IMAGE, USER));
  await step('compose', () => composeCheck(IMAGE, base)); // slow on vfs: every container copies its image
} catch (e) {
  failed = true;
  console.error(`test:image: FAILED: ${e.message}`);
  for (const c of containers)
    console.error(
      `--- logs ${c}\n${(({ stdout, stderr }) => `${stdout}\n${stderr}`)(docker(['logs', '--tail', '40', c], { check: false })).slice(-4000)}`,
    );
} finally {
  for (const c of containers) docker(['rm', '-f', c], { check: false });
  await admin(`drop database if exists ${db} with (force)`).catch(() => undefined);
  docker(['image', 'prune', '-f'], { check: false }); // dangling images only: the build cache stays
}

const inspect = JSON.parse(docker(['image', 'inspect', IMAGE], { check: false }).stdout || '[]')[0];
if (inspect) log(`image ${IMAGE}: ${(inspect.Size / 1e6).toFixed(0)} MB, ${inspect.RootFS.Layers.length} layers`);
log(
  `disk: ${docker(['system', 'df', '--format', '{{.Type}} {{.Size}}'], { check: false }).stdout.replace(/\n/g, ', ')}`,
);
log(
  `timings (s): ${Object.entries(timings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}; total ${Math.round((Date.now() - t0) / 1000)}`,
);
log(failed ? 'FAILED' : 'passed');
process.exit(failed ? 1 : 0);
