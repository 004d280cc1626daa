/* Preloaded (`node -r dist/bench/probe.js`) into a bench child process: counts Postgres queries
 * (one round trip each) and Redis round trips (a single command, or one pipeline/MULTI flush),
 * and writes the counters with process.cpuUsage() to BENCH_PROBE_FILE on SIGUSR2. Bench only:
 * the service itself never loads this file. */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

// the service's own copies of pg and ioredis (CommonJS), the ones it will load after this file
const load = createRequire(__filename);

const counts = { pgQueries: 0, redisRoundTrips: 0, redisCommands: 0 };

function patch(moduleName: string, apply: (mod: unknown) => void): void {
  try {
    apply(load(moduleName));
  } catch {
    // the module is not installed where this child runs: that counter stays 0
  }
}

patch('pg', (pg) => {
  const proto = (pg as { Client: { prototype: { query: (...a: unknown[]) => unknown } } }).Client.prototype;
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    counts.pgQueries++;
    return query.apply(this, args);
  };
});

patch('ioredis', (ioredis) => {
  const Redis = ((ioredis as { default?: unknown }).default ?? ioredis) as {
    prototype: { sendCommand: (...a: unknown[]) => unknown };
  };
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: unknown, ...args: unknown[]) {
    counts.redisCommands++;
    // a command handed a stream belongs to a pipeline, counted once by exec below
    if (args[1] === undefined) counts.redisRoundTrips++;
    return send.apply(this, args);
  };
  const P = (load('ioredis/built/Pipeline') as { default: { prototype: { exec: (...a: unknown[]) => unknown } } })
    .default;
  const exec = P.prototype.exec;
  P.prototype.exec = function (this: unknown, ...args: unknown[]) {
    counts.redisRoundTrips++;
    return exec.apply(this, args);
  };
});

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ ...counts, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, at: Date.now() }));
  });
}
