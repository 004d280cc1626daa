/* The production wiring: the entry point (src/main.ts → src/tracing.ts) as a child process with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP receiver. The auto-instrumentations
 * (http, express, pg, ioredis) add their spans around the service's own, an internal caller's
 * `traceparent` is continued, and nothing exported carries buyer data or a key. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { BOOT_BOUND_MS, TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/own-redis';
import { cardBody } from '../transactions/support';

const ROOT = join(__dirname, '..', '..');
jest.setTimeout(BOOT_BOUND_MS + 120_000); // boots the service in a child process

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

describe('tracing in production: OTLP export from the entry point', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let collector: Server;
  let child: ChildProcess | undefined;
  const bodies: string[] = [];
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({ port: 0, silent: true, cardDelayMs: 200, retryDelaysMs: [500, 1000] });
    collector = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString('utf8')));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(b);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    sandbox?.setEventsUrl(undefined);
    await new Promise((r) => collector?.close(r));
    await sandbox?.close();
    await db?.drop();
  });

  it('exports the request, database and service spans of a payment as one trace, continuing the caller, without buyer data', async () => {
    const port = await freePort();
    const env = {
      ...testEnv(db, sandbox, {
        PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      }),
      PATH: process.env.PATH,
    };
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      'the service to be ready',
      async () => (await fetch(`${base}/health/ready`)).status === 200,
      BOOT_BOUND_MS,
      200,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${output.slice(-3000)}`);
    });
    sandbox.setEventsUrl(`${base}/v1/webhooks/wompi`);

    const traceId = randomBytes(16).toString('hex');
    const email = `otlp.${randomBytes(3).toString('hex')}@example.com`;
    const res = await fetch(`${base}/v1/transactions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'idempotency-key': randomUUID(),
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify(
        await cardBody(sandbox, undefined, {
          customer_email: email,
          customer_data: { full_name: 'Juana Pérez', phone_number: '+573001234567' },
        }),
      ),
    });
    expect(res.status).toBe(201);
    // a lookup whose query string holds personal data: URL attributes lose their query
    const lookup = await fetch(`${base}/v1/transactions?reference=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(lookup.status).toBeLessThan(500);

    const spans = () =>
      bodies.flatMap((b) =>
        (JSON.parse(b) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans.flatMap(
          (r) => r.scopeSpans.flatMap((s) => s.spans),
        ),
      );
    const inTrace = () => spans().filter((s) => s.traceId === traceId);
    await waitFor(
      'the payment applied and its spans exported',
      async () => inTrace().some((s) => s.name === 'transaction.approved publish' || s.name === 'payment.apply'),
      30_000,
      200,
    );

    const names = new Set(inTrace().map((s) => s.name));
    // the caller's trace continues in the http server span, which parents the service's own
    // (the webhook delivery's server span is in the same trace too: pick the create's)
    const servers = inTrace().filter((s) => s.kind === 2 && s.name.startsWith('POST'));
    expect(servers.length).toBeGreaterThan(0);
    const create = inTrace().find((s) => s.name === 'payment.create')!;
    expect(create).toBeDefined();
    const ancestors = (s: OtlpSpan): string[] => {
      const p = inTrace().find((x) => x.spanId === s.parentSpanId);
      return p ? [p.spanId, ...ancestors(p)] : [];
    };
    const server = servers.find((s) => ancestors(create).includes(s.spanId));
    expect(server).toBeDefined();
    expect([...names]).toEqual(
      expect.arrayContaining([
        'payment.create',
        'wompi create_transaction',
        'webhook.receive',
        'webhook.inbox_insert',
        'webhook-events process',
        'payment.apply',
      ]),
    );
    // auto-instrumented database spans inside the trace
    expect(inTrace().some((s) => s.attributes.some((a) => a.key === 'db.system' || a.key === 'db.system.name'))).toBe(
      true,
    );

    const exported = bodies.join('\n');
    for (const secret of [
      email,
      encodeURIComponent(email),
      'Juana',
      '573001234567',
      TEST_API_KEY,
      sandbox.keys.privateKey,
      sandbox.keys.publicKey,
      '4242424242424242',
    ])
      expect({ secret, found: exported.includes(secret) }).toEqual({ secret, found: false });
  });
});
