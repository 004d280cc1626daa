/* docker-compose.yml, validated offline by docker-compose (Debian package; no Docker engine
 * needed for `config`), then asserted on the resolved configuration. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ROOT, RunResult, run, tempValues } from './harness';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

function compose(args: string[], file = COMPOSE_FILE): RunResult {
  try {
    return run('docker-compose', ['-f', file, ...args], { cwd: path.dirname(file), timeoutMs: 60_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: apt-get install docker-compose (the CI script .ci/run installs it)',
      );
    }
    throw e;
  }
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
}

let services: Record<string, Service> = {};
beforeAll(() => {
  const r = compose(['config']);
  if (r.status !== 0) throw new Error(`docker-compose config failed:\n${r.stderr}`);
  services = (parse(r.stdout) as { services: Record<string, Service> }).services;
});

it('docker-compose config -q accepts docker-compose.yml', () => {
  const r = compose(['config', '-q']);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
});

it('docker-compose config refuses a broken file (the check bites)', () => {
  const bad = tempValues(
    'docker-compose.yml',
    'services:\n  api:\n    image: x\n    depends_on:\n      db:\n        condition: whenever\n  db:\n    image: y\n',
  );
  expect(compose(['config', '-q'], bad).status).not.toBe(0);
});

it('has the whole stack: postgres, redis, rabbitmq with management, sandbox, migrate, api, worker', () => {
  expect(Object.keys(services).sort()).toEqual([
    'api',
    'migrate',
    'postgres',
    'rabbitmq',
    'redis',
    'sandbox',
    'worker',
  ]);
  expect(services.rabbitmq.image).toMatch(/^rabbitmq:3-management/);
  for (const s of ['postgres', 'redis', 'rabbitmq', 'sandbox', 'api', 'worker']) {
    expect({ s, test: services[s].healthcheck?.test }).toEqual({ s, test: expect.anything() });
  }
});

it('runs api and worker from the one image with their ROLE, after a successful migration', () => {
  expect(services.api.environment?.ROLE).toBe('api');
  expect(services.worker.environment?.ROLE).toBe('worker');
  const images = new Set(['sandbox', 'migrate', 'api', 'worker'].map((s) => services[s].image));
  expect(images.size).toBe(1);
  for (const s of ['api', 'worker']) {
    expect(services[s].command).toBeUndefined(); // the image's CMD: node dist/src/main.js
    expect(services[s].depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      rabbitmq: { condition: 'service_healthy' },
    });
  }
});

it('migrate is a one-shot of migration:run:prod waiting for a healthy postgres', () => {
  const m = services.migrate;
  expect(m.command).toEqual(['npm', 'run', 'migration:run:prod']);
  expect(m.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
  expect(m.restart ?? 'no').toBe('no');
  expect(m.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
});

it('points the service at the sandbox and the sandbox back at the webhook route, with the same test keys on both sides', () => {
  const api = services.api.environment!;
  const sb = services.sandbox.environment!;
  expect(services.sandbox.command).toEqual(['node', 'dist/src/sandbox/main.js']);
  expect(api.WOMPI_BASE_URL).toBe('http://sandbox:3100/v1');
  expect(sb.SANDBOX_EVENTS_URL).toBe('http://api:3000/v1/webhooks/wompi');
  expect(sb.SANDBOX_PORT).toBe('3100');
  // the sandbox listens on 127.0.0.1 by default: in its container that is unreachable from api/worker
  expect(sb.SANDBOX_HOST).toBe('0.0.0.0');
  const pairs: Array<[string, string, RegExp]> = [
    ['WOMPI_PUBLIC_KEY', 'SANDBOX_PUBLIC_KEY', /^pub_test_\w{32}$/],
    ['WOMPI_PRIVATE_KEY', 'SANDBOX_PRIVATE_KEY', /^prv_test_\w{32}$/],
    ['WOMPI_INTEGRITY_SECRET', 'SANDBOX_INTEGRITY_SECRET', /^test_integrity_\w{32}$/],
    ['WOMPI_EVENTS_SECRET', 'SANDBOX_EVENTS_SECRET', /^test_events_\w{32}$/],
  ];
  for (const [svcVar, sbVar, shape] of pairs) {
    expect(api[svcVar]).toMatch(shape); // test keys only: never a production key in compose
    expect(sb[sbVar]).toBe(api[svcVar]);
    expect(services.worker.environment![svcVar]).toBe(api[svcVar]);
  }
  for (const s of ['api', 'worker']) {
    const e = services[s].environment!;
    for (const v of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'INTERNAL_API_KEYS', 'NODE_ENV'])
      expect({ v, set: Boolean(e[v]) }).toEqual({ v, set: true });
  }
});

it('bakes no .env file into the stack', () => {
  const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
  expect(text).not.toMatch(/^\s*env_file:/m);
});
