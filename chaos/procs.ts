/* Child processes of a drill: the service roles (the compiled production entry) and a
 * redis-server of the drill's own. Every child is tracked so the runner can kill what is left
 * on exit or Ctrl-C. */
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import * as net from 'node:net';
import { basename, dirname, join } from 'node:path';

// compiled: dist/chaos/ → the repository is two levels up; from the sources (jest): one.
const ROOT = basename(dirname(__dirname)) === 'dist' ? join(__dirname, '..', '..') : join(__dirname, '..');
/** The compiled entry (`npm run chaos` builds first); the jest smoke runs the sources through ts-node instead. */
let entry = [join(ROOT, 'dist', 'src', 'main.js')];

export function runServiceFromSources(): void {
  entry = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
}

const children = new Set<ChildProcess>();

/** SIGKILLs every child still running (cleanup; the drills stop what they started themselves). */
export function killAllChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a condition with a bound; throws naming it. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export function tcpOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function fetchStatus(url: string, timeoutMs = 1500): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One role of the service (`node dist/src/main.js`) on a fixed port; restartable on that port. */
export class ServiceProcess {
  child?: ChildProcess;
  exited?: Promise<Exit>;
  readonly url: string;
  /** the log file's descriptor, handed to the child as its stdout and stderr */
  private logFd?: number;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    // The child writes straight into the file: pino writes synchronously, so a pipe this
    // process drained late (a busy runner) would stall the service's event loop and skew the drill.
    this.logFd ??= openSync(this.logFile, 'a');
    appendFileSync(this.logFd, `\n--- ${new Date().toISOString()} start ${this.name}\n`);
    const child = spawn(process.execPath, entry, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', this.logFd, this.logFd],
    });
    children.add(child);
    this.child = child;
    this.exited = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => {
        children.delete(child);
        if (this.logFd !== undefined)
          appendFileSync(
            this.logFd,
            `\n--- ${new Date().toISOString()} ${this.name} exited code=${code} signal=${signal}\n`,
          );
        resolve({ code, signal });
      }),
    );
    await waitFor(
      `${this.name} ready on ${this.url}`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited during boot (see ${this.logFile})`);
        return (await fetchStatus(`${this.url}/health/ready`)) === 200;
      },
      readyTimeoutMs,
      250,
    );
  }

  /** SIGTERM and wait (bounded) for the exit; how it ended and how long it took. */
  async terminate(boundMs: number): Promise<Exit & { ms: number }> {
    const t0 = Date.now();
    if (!this.running) return { code: null, signal: null, ms: 0 };
    this.child!.kill('SIGTERM');
    const e = await Promise.race([this.exited!, sleep(boundMs).then(() => undefined)]);
    if (!e) {
      await this.kill();
      return { code: null, signal: 'SIGKILL', ms: Date.now() - t0 };
    }
    return { ...e, ms: Date.now() - t0 };
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  closeLog(): void {
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
  }
}

/** A redis-server of the drill's own (never the shared one), killable and restartable on its port. */
export class OwnRedis {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return;
    const p = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    children.add(p);
    p.once('exit', () => children.delete(p));
    this.proc = p;
    await waitFor(`own redis on ${this.port}`, () => tcpOpen(this.port, 200), 10_000, 100);
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    this.proc = undefined;
  }
}

/** Polls /health/ready of each process every `everyMs` and records transitions. */
export class ReadinessMonitor {
  readonly timeline: { at: number; process: string; ready: boolean; status: number }[] = [];
  private readonly last = new Map<string, boolean>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly procs: () => ServiceProcess[],
    private readonly everyMs = 500,
  ) {}

  start(): void {
    const tick = async () => {
      await Promise.all(
        this.procs().map(async (p) => {
          const status = await fetchStatus(`${p.url}/health/ready`, 1500);
          const ready = status === 200;
          if (this.last.get(p.name) !== ready) {
            this.last.set(p.name, ready);
            this.timeline.push({ at: Date.now(), process: p.name, ready, status });
          }
        }),
      );
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.everyMs);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Seconds each process spent not ready between `from` and `to`, summed over processes' worst. */
  downSeconds(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of new Set(this.timeline.map((t) => t.process))) {
      const ev = this.timeline.filter((t) => t.process === name);
      let down = 0;
      for (let i = 0; i < ev.length; i++) {
        if (ev[i].ready) continue;
        const s = Math.max(ev[i].at, from);
        const e = Math.min(ev[i + 1]?.at ?? to, to);
        if (e > s) down += e - s;
      }
      out[name] = Math.round(down / 100) / 10;
    }
    return out;
  }
}
