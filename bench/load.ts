/* A loopback HTTP load generator for the ingest benches: closed loop (N in flight) and open
 * loop (a fixed arrival rate, latency measured from each request's scheduled send time so a
 * stall is not hidden: no coordinated omission). Keep-alive sockets; every loop bounded. */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './support';

export interface LoadResult {
  /** answered requests */
  sent: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  /** answers that were not the expected status */
  errors: number;
}

export interface Target {
  url: string;
  path: string;
  /** the status every answer must have */
  expect?: number;
}

function post(u: URL, path: string, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function summarise(latencies: number[], seconds: number, errors: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    sent: latencies.length,
    seconds,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

/** Sends every body with at most `concurrency` in flight, stopping at `deadlineMs`. */
export async function closedLoop(
  t: Target,
  bodies: string[],
  concurrency: number,
  deadlineMs = 120_000,
): Promise<LoadResult> {
  const u = new URL(t.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const stopAt = Date.now() + deadlineMs;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length && Date.now() < stopAt) {
      const body = bodies[next++];
      const s = performance.now();
      const status = await post(u, t.path, agent, body);
      latencies.push(performance.now() - s);
      if (status !== (t.expect ?? 200)) errors++;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return summarise(latencies, (performance.now() - t0) / 1000, errors);
}

/**
 * Sends `bodies` at `ratePerS`, whatever the answers' speed (up to `maxInFlight` sockets);
 * each latency runs from the request's scheduled time.
 */
export async function openLoop(
  t: Target,
  bodies: string[],
  ratePerS: number,
  maxInFlight = 256,
  onAnswer?: (i: number, status: number) => void,
): Promise<LoadResult> {
  const u = new URL(t.url);
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / ratePerS;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  try {
    for (let i = 0; i < bodies.length; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        post(u, t.path, agent, bodies[i]).then(
          (status) => {
            latencies.push(performance.now() - due);
            if (status !== (t.expect ?? 200)) errors++;
            onAnswer?.(i, status);
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  return summarise(latencies, (performance.now() - t0) / 1000, errors);
}
