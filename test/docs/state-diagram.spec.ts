/* docs/architecture.md carries the state machines as Mermaid diagrams generated from
 * src/transactions/state-machine.ts by scripts/state-diagram.ts (npm run docs:state-diagram).
 * Regenerated here in memory: a transition changed in the code without rerunning the script
 * fails this suite. */
import { readFileSync } from 'node:fs';
import {
  ARCHITECTURE_DOC,
  MACHINE_NAMES,
  markers,
  renderStateDiagram,
  withStateDiagrams,
} from '../../scripts/state-diagram';
import { PAYMENT_STATUSES } from '../../src/transactions/payment-status';
import { canAttemptTransition, canPaymentTransition } from '../../src/transactions/state-machine';

const doc = readFileSync(ARCHITECTURE_DOC, 'utf8');

/** `A --> B` edges between two statuses in a rendered block (the [*] start and end arrows aside). */
function edgesOf(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Z]+ --> [A-Z]+$/.test(l))
    .sort();
}

describe('docs/architecture.md state diagrams', () => {
  it.each(MACHINE_NAMES)('the committed %s diagram is the one the code generates', (machine) => {
    const { begin, end } = markers(machine);
    const committed = doc.slice(doc.indexOf(begin) + begin.length, doc.indexOf(end)).trim();
    expect(doc.indexOf(begin)).toBeGreaterThanOrEqual(0);
    expect(committed).toBe(renderStateDiagram(machine));
  });

  it('regenerating the whole document changes nothing', () => {
    expect(withStateDiagrams(doc)).toBe(doc);
  });

  it('every edge of the payment diagram is a transition the code allows, and every allowed one is drawn', () => {
    const expected = PAYMENT_STATUSES.flatMap((from) =>
      PAYMENT_STATUSES.filter((to) => to !== from && canPaymentTransition(from, to)).map((to) => `${from} --> ${to}`),
    ).sort();
    expect(edgesOf(renderStateDiagram('payment'))).toEqual(expected);
    expect(expected).toContain('DECLINED --> APPROVED');
  });

  it('the attempt diagram has no EXPIRED and follows canAttemptTransition', () => {
    const block = renderStateDiagram('attempt');
    expect(block).not.toContain('EXPIRED');
    for (const edge of edgesOf(block)) {
      const [from, to] = edge.split(' --> ') as [never, never];
      expect(canAttemptTransition(from, to)).toBe(true);
    }
  });

  it('a document without the markers is refused rather than silently left alone', () => {
    expect(() => withStateDiagrams('# no markers here\n')).toThrow(/markers/);
  });
});
