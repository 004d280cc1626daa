/* `npm run dev`'s banner tells the truth about API keys: the key it prints (generated, or
 * DEV_API_KEY) is the one configured — its `try: curl` line works — and when INTERNAL_API_KEYS
 * is set it prints no key at all (neither a made-up one nor the operator's), only the caller
 * names. It is the last thing start-up prints, and every log line before it is in the one
 * format of the process (pretty by default in dev, JSON with LOG_FORMAT=json), with no Nest
 * coloured text. The launcher runs as a real process, on the TypeScript sources (DEV_BUILD_DIR). */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { BOOT_BOUND_MS, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/own-redis';

const ROOT = join(__dirname, '..', '..');
jest.setTimeout(2 * BOOT_BOUND_MS + 60_000); // two real boots of the launcher under ts-node

interface Dev {
  child: ChildProcess;
  banner: string;
  /** what it printed before the banner */
  before: string;
  /** the service's URL */
  url: string;
  /** everything it printed so far */
  output(): string;
  stop(): Promise<void>;
}

async function startDev(db: TestDatabase, env: Record<string, string>): Promise<Dev> {
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', 'dev.mjs')], {
    cwd: ROOT,
    // only what the launcher needs: no REDIS_URL/AMQP_URL → in-process queue and log bus
    env: {
      PATH: process.env.PATH,
      DEV_BUILD_DIR: ROOT,
      DATABASE_URL: db.url,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  const stop = async () => {
    if (dead) return;
    child.kill('SIGTERM');
    const bounded = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(bounded);
  };
  try {
    await waitFor(
      'the dev banner',
      async () => {
        if (dead) throw new Error('exited');
        return /\n {2}stop +Ctrl\+C.*\n/.test(out);
      },
      BOOT_BOUND_MS,
      100,
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- its output:\n${out.slice(-3000)}`);
  }
  const at = out.indexOf('payments service (dev)');
  return {
    child,
    banner: out.slice(at),
    before: out.slice(0, at),
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop,
  };
}

/** Runs the banner's `try:` line as the curl it shows. */
async function tryLine(banner: string): Promise<{ key: string; status: number }> {
  const m = /try: curl -H "Authorization: Bearer ([^"]+)" (\S+)/.exec(banner);
  if (!m) throw new Error(`no try: line in\n${banner}`);
  const res = await fetch(m[2], { headers: { Authorization: `Bearer ${m[1]}` } });
  return { key: m[1], status: res.status };
}

describe('npm run dev: the banner tells the truth about API keys', () => {
  let db: TestDatabase;
  let dev: Dev | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('prints the DEV_API_KEY it configured, and its try: line answers 200', async () => {
    const pinned = 'dev_pinned_0123456789abcdef';
    dev = await startDev(db, { DEV_API_KEY: pinned });
    expect(dev.banner).toContain(`dev API key ${pinned}`);
    expect(await tryLine(dev.banner)).toEqual({ key: pinned, status: 200 });
  });

  it('with INTERNAL_API_KEYS set, names its callers, prints none of their keys and no generated key', async () => {
    const orders = 'orders-secret-key-0123456789';
    const billing = 'billing-secret-key-0123456789';
    dev = await startDev(db, {
      INTERNAL_API_KEYS: `orders:${orders}, billing:${billing}`,
      DEV_API_KEY: 'dev_unused_0123456789abcdef',
    });
    expect(dev.banner).toMatch(
      /API keys +from INTERNAL_API_KEYS, callers orders, billing \(keys not shown; DEV_API_KEY unused\)/,
    );
    expect(dev.banner).not.toContain(orders);
    expect(dev.banner).not.toContain(billing);
    expect(dev.banner).not.toMatch(/dev_[0-9a-f]{32}|dev_unused/);
    // the try: line shows where the key comes from, not a key; with orders' key it works
    const m = /try: curl -H "Authorization: Bearer ([^"]+)" (\S+)/.exec(dev.banner)!;
    expect(m[1]).toBe("<orders's key in INTERNAL_API_KEYS>");
    expect((await fetch(m[2], { headers: { Authorization: `Bearer ${orders}` } })).status).toBe(200);
  });

  /** `HH:MM:SS.mmm LEVEL ` then the line (log-output.ts prettyLine) */
  const PRETTY = /^\d{2}:\d{2}:\d{2}\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;
  const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

  it('prints the banner last, after start-up logs in one pretty format (the default in dev), no Nest text', async () => {
    // at debug, Nest's start-up chatter (modules, every route) is printed too: all of it one format
    dev = await startDev(db, { LOG_LEVEL: 'debug' });
    const before = lines(dev.before);
    expect(before.length).toBeGreaterThan(40);
    expect(before.filter((l) => !PRETTY.test(l))).toEqual([]);
    expect(before.some((l) => / DEBUG \[RouterExplorer\] Mapped \{\/v1\/outbox, GET\} route/.test(l))).toBe(true);
    expect(before.some((l) => / \[WompiSandbox\] Wompi sandbox listening/.test(l))).toBe(true);
    expect(dev.output()).not.toContain('\u001b['); // no colour: not a terminal
    expect(dev.output()).not.toMatch(/\[Nest\] \d+/); // no Nest ConsoleLogger text
    // the service answers, and nothing of start-up came after the banner
    const ready = await fetch(`${dev.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(dev.output().slice(dev.before.length)).toBe(dev.banner);
    // DATABASE_URL is set here, so no embedded database to reset: `rm -rf .data` is not offered
    expect(lines(dev.banner).pop()).toBe('  stop        Ctrl+C');
    // a request's access line: the same format
    expect((await tryLine(dev.banner)).status).toBe(200);
    const access = await waitFor('the access line of the try: request', async () =>
      lines(dev!.output()).find((l) => / GET \/v1\/acceptance → 200 /.test(l)),
    );
    expect(access).toMatch(PRETTY);
  });

  it("at the default LOG_LEVEL, start-up says little: Nest's chatter is at debug", async () => {
    dev = await startDev(db, { LOG_LEVEL: 'info' });
    const before = lines(dev.before);
    expect(before.filter((l) => !PRETTY.test(l))).toEqual([]);
    expect(before.filter((l) => /\[(InstanceLoader|RoutesResolver|RouterExplorer|NestFactory)\]/.test(l))).toEqual([]);
    expect(before.length).toBeLessThan(10);
  });

  it('points to /metrics, and at LOG_LEVEL=debug prints the spans of a request to the log (LOG_FORMAT=json: JSON only)', async () => {
    dev = await startDev(db, { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
    const before = lines(dev.before);
    expect(before.length).toBeGreaterThan(40);
    expect(before.filter((l) => !/^\{.*\}$/.test(l) || typeof JSON.parse(l).level !== 'number')).toEqual([]);
    const m = /metrics +(http:\S+\/metrics) +traces printed to the log/.exec(dev.banner);
    expect(m).not.toBeNull();
    const metrics = await fetch(m![1]);
    expect([metrics.status, await metrics.text()]).toEqual([200, expect.stringContaining('payments_created_total')]);
    expect((await tryLine(dev.banner)).status).toBe(200);
    const span = await waitFor(
      'a span line for the Wompi call',
      async () =>
        dev!
          .output()
          .split('\n')
          .find((l) => l.includes('"msg":"span"') && l.includes('"span":"wompi get_merchant"')),
      15_000,
    );
    expect(JSON.parse(span)).toMatchObject({
      level: 20,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      attributes: expect.objectContaining({ 'wompi.operation': 'get_merchant' }),
    });
  });
});
