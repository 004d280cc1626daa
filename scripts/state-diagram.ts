/**
 * Writes the payment and attempt state machines of src/transactions/state-machine.ts into
 * docs/architecture.md as Mermaid `stateDiagram-v2` blocks, between the markers
 * `<!-- state-diagram:<machine>:begin -->` and `<!-- state-diagram:<machine>:end -->`.
 *
 *   npm run docs:state-diagram           # rewrite the blocks
 *   npm run docs:state-diagram -- --check  # exit 1 when the committed blocks differ from the code
 *
 * The edges are read from the code itself (canPaymentTransition / canAttemptTransition over
 * every pair of PAYMENT_STATUSES), so the diagram cannot drift from the rules the service
 * applies; test/docs/state-diagram.spec.ts fails when the committed diagram is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAYMENT_STATUSES, PaymentStatus } from '../src/transactions/payment-status';
import { canAttemptTransition, canPaymentTransition, isFinal } from '../src/transactions/state-machine';

export const ARCHITECTURE_DOC = join(__dirname, '..', 'docs', 'architecture.md');

export type Machine = 'payment' | 'attempt';

interface MachineSpec {
  /** which statuses the machine has (attempts never take EXPIRED) */
  statuses: readonly PaymentStatus[];
  can: (from: PaymentStatus, to: PaymentStatus) => boolean;
  /** where a record of this machine starts (documented in the comments of the code it mirrors) */
  initial: readonly PaymentStatus[];
}

const MACHINES: Record<Machine, MachineSpec> = {
  // A payment is recorded PENDING (the intent, before Wompi is called).
  payment: { statuses: PAYMENT_STATUSES, can: canPaymentTransition, initial: ['PENDING'] },
  // An attempt is recorded UNKNOWN (our create, no Wompi id yet) or as Wompi first reports it
  // (PENDING at creation; a transaction first seen final starts there, drawn from PENDING here).
  attempt: {
    statuses: PAYMENT_STATUSES.filter((s) => s !== 'EXPIRED'),
    can: canAttemptTransition,
    initial: ['UNKNOWN', 'PENDING'],
  },
};

export const MACHINE_NAMES = Object.keys(MACHINES) as Machine[];

/** The Mermaid block (with its fences) for one machine, generated from the code. */
export function renderStateDiagram(machine: Machine): string {
  const spec = MACHINES[machine];
  const lines = ['```mermaid', 'stateDiagram-v2'];
  for (const s of spec.initial) lines.push(`    [*] --> ${s}`);
  for (const from of spec.statuses) {
    for (const to of spec.statuses) {
      if (from !== to && spec.can(from, to)) lines.push(`    ${from} --> ${to}`);
    }
  }
  // a state nothing leaves is where the record ends
  for (const s of spec.statuses) {
    if (!spec.statuses.some((to) => to !== s && spec.can(s, to))) lines.push(`    ${s} --> [*]`);
  }
  const finals = spec.statuses.filter(isFinal);
  lines.push('    classDef final font-weight:bold');
  lines.push(`    class ${finals.join(',')} final`);
  lines.push('```');
  return lines.join('\n');
}

export function markers(machine: Machine): { begin: string; end: string } {
  return { begin: `<!-- state-diagram:${machine}:begin -->`, end: `<!-- state-diagram:${machine}:end -->` };
}

/** `doc` with every machine's block replaced by the one generated now. Throws when a marker is missing. */
export function withStateDiagrams(doc: string): string {
  let out = doc;
  for (const machine of MACHINE_NAMES) {
    const { begin, end } = markers(machine);
    const start = out.indexOf(begin);
    const stop = out.indexOf(end);
    if (start < 0 || stop < start) throw new Error(`docs/architecture.md lacks the markers ${begin} … ${end}`);
    out = `${out.slice(0, start + begin.length)}\n${renderStateDiagram(machine)}\n${out.slice(stop)}`;
  }
  return out;
}

function main(argv: string[]): number {
  const current = readFileSync(ARCHITECTURE_DOC, 'utf8');
  const next = withStateDiagrams(current);
  if (argv.includes('--check')) {
    if (next === current) return 0;
    process.stderr.write(
      'docs/architecture.md: the state diagrams differ from the code; run npm run docs:state-diagram\n',
    );
    return 1;
  }
  if (next !== current) writeFileSync(ARCHITECTURE_DOC, next);
  process.stdout.write(
    `docs/architecture.md: state diagrams ${next === current ? 'already up to date' : 'rewritten'}\n`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
