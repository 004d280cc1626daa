/* Bench processes: the service (or the baseline) as a child process, so the load generator
 * and the server under test never share an event loop; its peak RSS sampled from /proc. */
import { ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute, join } from 'node:path';

export interface ChildServer {
  url: string;
  pid: number;
  /** the highest RSS seen since the last reset, in MB */
  peakRssMb(): number;
  /** /proc's split of the RSS at that peak sample: anonymous (heap, malloc), file-backed (the node binary, libraries), shared */
  peakRssSplit(): RssSplit;
  resetPeak(): void;
  /** CPU time (user + system) the process has used so far, in ms (from /proc: load-insensitive) */
  cpuMs(): number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RssSplit {
  rss: number;
  anon: number;
  file: number;
  shmem: number;
}

function rssSplit(pid: number): RssSplit {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
  } catch {
    return { rss: 0, anon: 0, file: 0, shmem: 0 };
  }
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime of /proc/<pid>/stat, in ms */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command (which may contain spaces) start at state (field 3)
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

async function waitHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Starts `node <script>` (relative to dist/, or absolute) with `env` on `port`; resolves once `probePath` answers. */
export async function startChild(
  script: string,
  port: number,
  env: Record<string, string>,
  probePath: string,
  log?: (line: string) => void,
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, isAbsolute(script) ? script : join(__dirname, '..', script)], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    // BENCH_CHILD_LOG=<file>: the child's stdout (its JSON logs) appended there, to explain a failed run
    stdio: ['ignore', process.env.BENCH_CHILD_LOG ? openSync(process.env.BENCH_CHILD_LOG, 'a') : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
    log?.(d.toString('utf8').trimEnd());
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(url + probePath, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  let peak = rssSplit(child.pid!);
  const sample = () => {
    const now = rssSplit(child.pid!);
    if (now.rss > peak.rss) peak = now;
  };
  const sampler = setInterval(sample, 100);
  sampler.unref();
  return {
    url,
    pid: child.pid!,
    peakRssMb: () => (sample(), peak.rss),
    peakRssSplit: () => (sample(), { ...peak }),
    resetPeak: () => (peak = rssSplit(child.pid!)),
    cpuMs: () => processCpuMs(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(sampler);
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
