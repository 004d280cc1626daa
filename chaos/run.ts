/* `npm run chaos [-- --drill a,b] [--payments N] [--rate R] [--quick] [--settle S] [--keep-db]`:
 * the fault drills against the real Postgres and RabbitMQ (behind fault proxies), a Redis of
 * their own and the built-in sandbox, with the roles as separate processes. Prints a table,
 * writes JSON to chaos/results/, exits 1 on any loss, duplicate or stuck payment. */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { currentStack, DrillResult, runDrill } from './drill-runner';
import { DRILLS } from './drills';
import { killAllChildren } from './procs';

interface Args {
  drills: string[];
  payments: number;
  rate: number;
  quick: boolean;
  settleMs?: number;
  keepDb: boolean;
}

const USAGE = `usage: npm run chaos -- [--drill name[,name…]] [--payments N] [--rate R] [--quick] [--settle seconds] [--keep-db] [--list]
drills: ${DRILLS.map((d) => d.name).join(', ')} (baseline, no fault, only when named)
defaults: every drill, 750 payments at 10/s; --quick = 100 payments at 10/s and shorter faults`;

function parseArgs(argv: string[]): Args | undefined {
  const a: Args = {
    drills: DRILLS.map((d) => d.name).filter((n) => n !== 'baseline'),
    payments: 750,
    rate: 10,
    quick: false,
    keepDb: false,
  };
  let payments: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const num = (name: string, v: string, min: number, max: number) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}`);
      return n;
    };
    switch (argv[i]) {
      case '--drill':
      case '--drills': {
        const names = next()
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !DRILLS.some((d) => d.name === n));
        if (unknown.length) throw new Error(`unknown drill ${unknown.join(', ')}`);
        a.drills = names;
        break;
      }
      case '--payments':
        payments = Math.round(num('--payments', next(), 1, 100_000));
        break;
      case '--rate':
        a.rate = num('--rate', next(), 0.1, 1000);
        break;
      case '--quick':
        a.quick = true;
        break;
      case '--settle':
        a.settleMs = num('--settle', next(), 1, 3600) * 1000;
        break;
      case '--keep-db':
        a.keepDb = true;
        break;
      case '--list':
        for (const d of DRILLS) process.stdout.write(`${d.name.padEnd(26)} ${d.what}\n`);
        return undefined;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return undefined;
      default:
        throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  a.payments = payments ?? (a.quick ? 100 : 750);
  return a;
}

/** Why a drill failed, in a few words ('' when it passed). */
export function failReasons(r: DrillResult): string {
  if (r.pass) return '';
  const l = r.ledger;
  const why = [
    r.error ? `error: ${r.error.slice(0, 80)}` : '',
    r.timings.settledAtS === null && l ? 'not settled' : '',
  ];
  if (l) {
    const counts: [number, string][] = [
      [l.lost, 'lost'],
      [l.lostEffects, 'lost effects'],
      [l.dupFulfilments, 'dup fulfilments'],
      [l.dupEvents + l.dupWompi, 'dup events'],
      [l.stuck, 'stuck'],
      [l.unanswered, 'unanswered'],
    ];
    for (const [n, what] of counts) if (n > 0) why.push(`${n} ${what}`);
  }
  return why.filter(Boolean).join(', ');
}

export function table(results: DrillResult[]): string {
  const header = [
    'drill',
    'payments',
    'final/matching',
    'lost',
    'lost fx',
    'dup fulfil',
    'dup events',
    'stuck',
    'open',
    '5xx',
    'ready-down s',
    'recover s',
    'pass',
  ];
  const rows = results.map((r) => {
    const l = r.ledger;
    const down =
      Object.entries(r.readyDownS)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '0';
    if (!l) return [r.drill, r.payments, '-', '-', '-', '-', '-', '-', '-', '-', down, '-', `FAIL (${failReasons(r)})`];
    return [
      r.drill,
      l.payments,
      `${l.matching}/${l.payments}`,
      l.lost,
      l.lostEffects,
      l.dupFulfilments,
      l.dupEvents + l.dupWompi,
      l.stuck,
      l.open,
      l.http5xx,
      down,
      l.recoverS ?? 'never',
      r.pass ? 'yes' : `FAIL (${failReasons(r)})`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) return 0;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(__dirname, '..', '..', 'chaos', 'results');
  const logDir = join(resultsDir, `${stamp}-logs`);
  mkdirSync(logDir, { recursive: true });
  const log = (m: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  log(
    `drills: ${args.drills.join(', ')}; ${args.payments} payments at ${args.rate}/s${args.quick ? ' (quick)' : ''}; logs in ${logDir}`,
  );
  const results: DrillResult[] = [];
  const file = join(resultsDir, `${stamp}.json`);
  // rewritten after every drill, so an interrupted run keeps what it measured
  const save = () =>
    writeFileSync(
      file,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          commit: gitCommit(),
          machine: { cpus: cpus().length, node: process.version },
          args,
          results,
        },
        null,
        2,
      ),
    );
  for (const name of args.drills) {
    const drill = DRILLS.find((d) => d.name === name)!;
    const r = await runDrill(drill, {
      payments: args.payments,
      ratePerS: args.rate,
      quick: args.quick,
      settleMs: args.settleMs,
      logDir,
      keepDb: args.keepDb,
      log,
    });
    results.push(r);
    save();
    log(
      `${name}: ${r.pass ? 'PASS' : `FAIL (${failReasons(r)})`}${r.ledger?.problems.length ? ` — ${r.ledger.problems.slice(0, 5).join('; ')}` : ''}`,
    );
  }
  const text = table(results);
  process.stdout.write(`${text}\n`);
  save();
  process.stdout.write(`\nwrote ${file}\n`);
  return results.every((r) => r.pass) ? 0 : 1;
}

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write('\n[chaos] interrupted: stopping the drill stack\n');
  const stop = currentStack()?.stop() ?? Promise.resolve();
  void Promise.race([stop, new Promise((r) => setTimeout(r, 10_000))]).finally(() => {
    killAllChildren();
    process.exit(130);
  });
});

if (require.main === module) {
  main().then(
    (code) => {
      killAllChildren();
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      killAllChildren();
      process.exit(2);
    },
  );
}
