/* The production entry point (src/main.ts) as a child process, for the role and shutdown
 * suites: boot it with an env, wait for it to be ready, signal it and measure how it ends. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import Bull from 'bull';
import { QUEUES } from '../../src/queue/job-queue.port';
import { BOOT_BOUND_MS, waitFor } from '../support/app';
import { freePort } from '../support/own-redis';
import { REDIS_URL } from '../support/services';

const ROOT = join(__dirname, '..', '..');
const NODE_ARGS = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** everything written to stdout and stderr so far */
  output(): string;
  exited: Promise<Exit>;
  /** sends SIGTERM and resolves with how it ended and how long it took (ms) */
  terminate(): Promise<Exit & { ms: number }>;
  /** SIGKILL if still running (cleanup) */
  kill(): Promise<void>;
}

export { BOOT_BOUND_MS };

/** Boots `src/main.ts` with `env` (PORT chosen here unless given) and waits for /health/ready. */
export async function startService(
  env: Record<string, string | undefined>,
  readyTimeoutMs = BOOT_BOUND_MS,
): Promise<ServiceProcess> {
  const port = env.PORT && env.PORT !== '0' ? Number(env.PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, NODE_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, PORT: String(port) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(
    `${env.ROLE} process on ${url} to be ready`,
    async () => {
      if (dead) throw new Error(`exited during boot: ${out.slice(-2000)}`);
      return (await fetch(`${url}/health/ready`)).status === 200;
    },
    readyTimeoutMs,
    200,
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n--- its output:\n${out.slice(-3000)}`);
  });
  return {
    child,
    url,
    output: () => out,
    exited,
    async terminate() {
      const t0 = Date.now();
      child.kill('SIGTERM');
      const e = await exited;
      return { ...e, ms: Date.now() - t0 };
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A Bull handle on the service's webhook-events queue (same Redis, same prefix), to observe job states. */
export function webhookQueue(queuePrefix: string): Bull.Queue {
  return new Bull(QUEUES.WEBHOOK_EVENTS, REDIS_URL, { prefix: queuePrefix });
}

/** Fails if `fn` stops holding at any point during `forMs` (an observation window, not a sleep). */
export async function holdsFor(what: string, fn: () => Promise<boolean>, forMs: number, everyMs = 100): Promise<void> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    if (!(await fn())) throw new Error(`${what} stopped holding`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
