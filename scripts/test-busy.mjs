// `npm run test:busy [-- <jest args>]`: runs Jest (default: the whole suite) while one busy-loop
// child per core keeps every core busy, at normal priority. A test that fails here and passes on
// an idle machine waits on time instead of a condition (docs/testing.md).
//
// Options before the Jest args: --burners=<n> (default: one per core; 0 runs Jest alone).
// The burners are killed when Jest exits, crashes or is killed, and when this script gets
// SIGINT/SIGTERM/SIGHUP; each burner also exits by itself once this script is gone (even after
// a SIGKILL), so none outlives the run. Exits with Jest's status (128 + signal if it was killed).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = (s) => process.stdout.write(`test:busy: ${s}\n`);

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
let burnerCount = cores;
const jestArgs = [];
for (const arg of process.argv.slice(2)) {
  const m = /^--burners=(\d+)$/.exec(arg);
  if (m) burnerCount = Number(m[1]);
  else jestArgs.push(arg);
}

// A burner spins in 50 ms slices and checks between slices that its parent is still this
// script: if it was reparented (we died, even by SIGKILL), it exits.
const BURNER = `
const parent = Number(process.argv[1]);
const spin = () => {
  const end = Date.now() + 50;
  while (Date.now() < end) {}
  if (process.ppid !== parent) process.exit(0);
  setImmediate(spin);
};
spin();
`;

const burners = [];
for (let i = 0; i < burnerCount; i++) {
  const b = spawn(process.execPath, ['-e', BURNER, String(process.pid)], { stdio: 'ignore' });
  b.on('error', (err) => out(`burner ${i} failed: ${err.message}`));
  burners.push(b);
}
const killBurners = () => {
  for (const b of burners) {
    if (b.exitCode === null && b.signalCode === null) {
      try {
        b.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
};
process.on('exit', killBurners);

// How busy the cores were: per-core busy share between two samples of os.cpus().
const sample = () =>
  os.cpus().map((c) => ({ idle: c.times.idle, total: Object.values(c.times).reduce((a, b) => a + b, 0) }));
const busyBetween = (a, b) =>
  b.map((c, i) => {
    const total = c.total - a[i].total;
    return total > 0 ? 1 - (c.idle - a[i].idle) / total : 0;
  });
const pct = (x) => `${Math.round(x * 100)}%`;
const started = Date.now();
const first = sample();
let prev = first;
let minBusy = Array(first.length).fill(1);
// every 5 s: the least busy 5 s window per core (a burner that died would show here)
const sampler = setInterval(() => {
  const now = sample();
  busyBetween(prev, now).forEach((x, i) => (minBusy[i] = Math.min(minBusy[i], x)));
  prev = now;
}, 5000);
sampler.unref();

out(
  `${burners.length} CPU burner(s) on ${cores} core(s), load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; jest ${jestArgs.join(' ') || '(whole suite)'}`,
);

const jestBin = require.resolve('jest/bin/jest', { paths: [root] });
// Jest runs in its own process group, so a signal reaches its workers too (Jest does not always
// stop them itself) and nothing of the run outlives this script.
const jest = spawn(process.execPath, [jestBin, ...jestArgs], { cwd: root, stdio: 'inherit', detached: true });
const signalJest = (sig) => {
  try {
    process.kill(-jest.pid, sig);
  } catch {
    /* the group is gone */
  }
};
process.on('exit', () => signalJest('SIGKILL'));

let forwarded = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    forwarded = sig;
    killBurners();
    signalJest(sig);
    // Jest gets 10 s to stop; then its group is killed and we exit anyway.
    setTimeout(() => {
      signalJest('SIGKILL');
      process.exit(128 + os.constants.signals[sig]);
    }, 10_000).unref();
  });
}

const finish = (code, signal) => {
  clearInterval(sampler);
  signalJest('SIGKILL'); // any worker Jest left behind
  const alive = burners.filter((b) => b.exitCode === null && b.signalCode === null).length;
  killBurners();
  const perCore = busyBetween(first, sample());
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  out(
    `cores busy over the run (${secs} s): ${perCore.map((x, i) => `cpu${i} ${pct(x)}`).join(', ')}; ` +
      `least busy 5 s window: ${minBusy.map(pct).join(', ')}; ` +
      `${alive}/${burners.length} burner(s) still running at the end; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  const status = signal ? 128 + (os.constants.signals[signal] ?? 0) : (code ?? 1);
  out(`jest exited with ${signal ? `signal ${signal}` : `status ${code}`}${forwarded ? ` (after ${forwarded})` : ''}`);
  process.exit(status);
};
jest.on('exit', finish);
jest.on('error', (err) => {
  out(`could not start jest: ${err.message}`);
  finish(1, null);
});
