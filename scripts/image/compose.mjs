// Compose for real: docker-compose up of docker-compose.yml + docker-compose.host.yml (the app
// services on the host network against the host's Postgres, Redis and RabbitMQ), the payment
// flow through its api, then down.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { paymentFlow } from './flow.mjs';
import { HOST, ROOT, freePort, log, sh, waitFor, withDatabase } from './lib.mjs';

const require = createRequire(join(ROOT, 'package.json'));

export async function composeCheck(image, gateImage) {
  const project = `paymentsimage${process.pid}`;
  const db = `payments_compose_${process.pid}`;
  const exchange = `payments.events.compose-${process.pid}`;
  const { Client } = require('pg');
  const admin = async (sql) => {
    const c = new Client({ connectionString: HOST.pgAdmin });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  const [api, worker, sandbox] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    APP_IMAGE: image,
    GATE_IMAGE: gateImage,
    API_PORT: String(api),
    WORKER_PORT: String(worker),
    SANDBOX_PORT: String(sandbox),
    COMPOSE_DATABASE_URL: withDatabase(HOST.pgAdmin, db),
    COMPOSE_REDIS_URL: HOST.redis,
    COMPOSE_AMQP_URL: HOST.amqp,
    COMPOSE_AMQP_EXCHANGE: exchange,
    DOCKER_HOST: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock',
    // creating a container copies its whole image on the vfs storage driver: slower than compose's 60 s default
    COMPOSE_HTTP_TIMEOUT: '600', // (COMPOSE_PARALLEL_LIMIT deadlocks compose 1.29 with depends_on: left unset)
  };
  const compose = (args, opts = {}) =>
    sh('docker-compose', ['-p', project, '-f', 'docker-compose.yml', '-f', 'docker-compose.host.yml', ...args], {
      env,
      timeoutMs: 1_200_000,
      ...opts,
    });
  await admin(`create database ${db}`);
  try {
    // the compose file's own sandbox keys (placeholders) and API key
    const resolved = require('yaml').parse(compose(['config']).stdout).services;
    const keys = {
      pub: resolved.sandbox.environment.SANDBOX_PUBLIC_KEY,
      api: resolved.api.environment.INTERNAL_API_KEYS.split(',')[0],
    };
    compose(['up', '-d', '--no-build']);
    const migrate = compose(['ps', '-q', 'migrate']).stdout;
    const code = sh(process.env.DOCKER ?? 'docker', ['inspect', '-f', '{{.State.ExitCode}}', migrate]).stdout;
    if (code !== '0') throw new Error(`compose migrate exited ${code}`);
    await waitFor(
      'compose api /health/ready',
      120_000,
      async () =>
        (await fetch(`http://127.0.0.1:${api}/health/ready`, { signal: AbortSignal.timeout(5000) })).status === 200,
    );
    const pay = await paymentFlow({
      api: `http://127.0.0.1:${api}`,
      sandbox: `http://127.0.0.1:${sandbox}`,
      amqpUrl: HOST.amqp,
      exchange,
      keys,
    });
    log(`compose: migrate exit 0; payment ${pay.id} APPROVED; CloudEvent ${pay.eventId} consumed`);
  } catch (e) {
    const logs = compose(['logs', '--no-color', '--tail', '30'], { check: false });
    throw new Error(`compose: ${e.message}\n${logs.stdout.slice(-6000)}`);
  } finally {
    compose(['down', '--volumes', '--timeout', '35'], { check: false });
    await admin(`drop database if exists ${db} with (force)`).catch(() => undefined);
  }
}
