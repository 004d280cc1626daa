/* Issue 11, finding 1: one hostile request must not freeze the process through its access-log
 * line. The production entry point runs as a child process logging at `info` (access lines are
 * info, so the log path is really exercised); after each hostile request a liveness probe must
 * answer within 100 ms (the bound the issue asks for). Before the fix the log formatter walked
 * the raw request (parsed body included) and ran a quadratic email pattern over 250 KB strings:
 * the probe then waited for minutes. The 100 ms is measured as the service's own CPU time from
 * the hostile answer to the probe's answer (see below), so a loaded test machine cannot fake it. */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { BOOT_BOUND_MS, TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/own-redis';

const ROOT = join(__dirname, '..', '..');
const NODE_ARGS = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
const PROBE_BOUND_MS = 100;
const WALL_BOUND_MS = 15_000; // loose: seconds on a busy machine (npm run test:busy), minutes with the bug
const CLOCK_TICKS = 100; // USER_HZ: /proc times are in 1/100 s on Linux
const EMAIL = 'hostile.buyer.4471@example.com';

/** A JSON text of about `bytes` bytes built to be expensive to log: long pattern-bait strings, many keys, deep arrays. */
function hostileBody(bytes: number): string {
  const part = Math.floor(bytes / 5);
  const deep = (n: number): unknown => (n === 0 ? [EMAIL, '4242 4242 4242 4242'] : [deep(n - 1)]);
  const wide: Record<string, string> = {};
  for (let i = 0; i < part / 16; i++) wide[`k${i}`] = 'a@b';
  const body = {
    event: 'transaction.updated',
    word: 'a'.repeat(part), // one long [A-Za-z0-9._%+-] word: worst case of the old email pattern
    ats: 'a@'.repeat(Math.floor(part / 2)),
    digits: '1 '.repeat(Math.floor(part / 2)),
    wide,
    deep: deep(28), // under the parser's depth limit (32)
    note: `contact ${EMAIL} card 4242 4242 4242 4242`,
    pad: '',
  };
  body.pad = 'b.'.repeat(Math.max(0, (bytes - JSON.stringify(body).length) / 2));
  return JSON.stringify(body);
}

describe('contract: a hostile body does not block the process through logging', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let child: ChildProcess;
  let output = '';
  let url = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({ port: 0, silent: true });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = testEnv(db, sandbox, { PORT: String(port), LOG_LEVEL: 'info' });
    child = spawn(process.execPath, NODE_ARGS, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    await waitFor(
      'the service to be ready',
      async () => (await fetch(`${url}/health/ready`)).status === 200,
      BOOT_BOUND_MS,
      200,
    );
  }, BOOT_BOUND_MS + 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await sandbox?.close();
    await db?.drop();
  });

  /** CPU time (user + system) the service process has used so far, from /proc (10 ms ticks). */
  function childCpuMs(): number {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }

  /** One liveness probe's wall-clock latency. */
  async function probeWallMs(): Promise<number> {
    const started = performance.now();
    const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return performance.now() - started;
  }

  /** The access-log line of the last request with this id (proves the info log path ran). */
  const accessLine = (requestId: string) =>
    waitFor(
      `the access log line of ${requestId}`,
      async () => output.split('\n').find((l) => l.includes(`"id":"${requestId}"`) && l.includes('"status"')),
      30_000,
      20,
    );

  const cases: [string, string, Record<string, string>, number, number][] = [
    ['the webhook route, 256 KB', '/v1/webhooks/wompi', {}, 250 * 1024, 400],
    ['an internal route without a key, 60 KB', '/v1/transactions', {}, 60 * 1024, 401],
    [
      'an internal route with a key, 60 KB',
      '/v1/transactions',
      { authorization: `Bearer ${TEST_API_KEY}`, 'idempotency-key': 'hostile-log-1' },
      60 * 1024,
      400,
    ],
    ['an internal route without a key, 256 KB (over its limit)', '/v1/transactions', {}, 250 * 1024, 413],
  ];

  it.each(cases)(
    '%s: /health/live answers within 100 ms right after',
    async (_label, path, headers, bytes, status) => {
      const requestId = `hostile-${Math.random().toString(36).slice(2)}`;
      const body = hostileBody(bytes);
      expect(body.length).toBeGreaterThan(bytes * 0.95);
      expect(body.length).toBeLessThanOrEqual(bytes);
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
        body,
      });
      expect(res.status).toBe(status);
      const cpuBefore = childCpuMs();
      await res.arrayBuffer();
      const wallMs = await probeWallMs();
      // The probe's latency as the service sees it: the CPU it spends from the hostile answer to
      // the probe's answer (all the probe waits for on a quiet machine). The wall clock is also
      // bounded, loosely: this shared machine may run the service a tenth of the time, but the
      // bug blocked the probe for minutes.
      expect(childCpuMs() - cpuBefore).toBeLessThan(PROBE_BOUND_MS);
      expect(wallMs).toBeLessThan(WALL_BOUND_MS);
      if (status !== 413 && path !== '/v1/webhooks/wompi') {
        // (a body refused by the parser never reaches pino-http, and Wompi's route takes a lean
        // path with no access line — its refusals aggregate: no access line to look at)
        const line = await accessLine(requestId);
        expect(line.length).toBeLessThan(4096); // the body never reaches the access line
      }
      if (process.env.HOSTILE_LOG_DEBUG) console.log(output.slice(-20_000));
      expect(output).not.toContain(EMAIL);
      expect(output).not.toContain('4242 4242 4242 4242');
    },
    180_000,
  );
});
