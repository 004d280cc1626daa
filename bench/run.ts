/* `npm run bench`: runs every bench/*.bench.ts (compiled), prints a table, writes JSON to
 * bench/results/. Needs the same local services as `npm test`. */
import 'reflect-metadata';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BenchContext, BenchResult, startBenchApp } from './support';

type BenchModule = { run(ctx: BenchContext): Promise<BenchResult[]> };

async function main(): Promise<void> {
  const only = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => !only || f.includes(only))
    .sort();
  const ctx: BenchContext = { startApp: startBenchApp, log: (m) => process.stderr.write(`[bench] ${m}\n`) };
  const results: BenchResult[] = [];
  for (const f of files) {
    ctx.log(`running ${f}`);
    const mod = (await import(join(__dirname, f))) as BenchModule;
    results.push(...(await mod.run(ctx)));
  }
  const rows = results.map((r) => [
    r.bench,
    r.metric,
    r.value.toFixed(r.value < 10 ? 2 : 0),
    r.unit,
    r.n ?? '',
    r.notes ?? '',
  ]);
  const header = ['bench', 'metric', 'value', 'unit', 'n', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  process.stdout.write(
    `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map(line).join('\n')}\n`,
  );
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const doc = { at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, results };
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(doc, null, 2));
  process.stdout.write(`\nwrote bench/results/latest.json\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
