/* The CI-sized subset of `npm run chaos`: one quick drill end to end (an api and two workers
 * as separate processes, a worker SIGKILLed mid-load and restarted), asserting the ledger is
 * clean. The full drills run with `npm run chaos` (docs/chaos.md). Opt-in (CHAOS_SMOKE=1): it
 * boots three processes from the sources and took ~100 s on the loaded shared VM, above the
 * 90 s a default suite may take. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrill } from '../../chaos/drill-runner';
import { DRILLS } from '../../chaos/drills';
import { killAllChildren, runServiceFromSources } from '../../chaos/procs';

const suite = process.env.CHAOS_SMOKE === '1' ? describe : describe.skip;

suite('chaos smoke: worker-kill, 40 payments', () => {
  afterAll(() => killAllChildren());

  it('settles every payment once, with one fulfilment and one CloudEvent per state', async () => {
    runServiceFromSources();
    const logDir = mkdtempSync(join(tmpdir(), 'chaos-smoke-'));
    const drill = DRILLS.find((d) => d.name === 'worker-kill')!;
    const r = await runDrill(drill, {
      payments: 40,
      ratePerS: 10,
      quick: true,
      settleMs: 60_000,
      logDir,
      keepDb: false,
      log: () => undefined,
    });

    expect(r.error).toBeUndefined();
    const l = r.ledger!;
    // every payment the sandbox finalised is final here with the same status
    expect({ lost: l.lost, stuck: l.stuck, unanswered: l.unanswered, problems: l.problems }).toEqual({
      lost: 0,
      stuck: 0,
      unanswered: 0,
      problems: [],
    });
    expect(l.matching).toBe(40);
    expect({
      lostEffects: l.lostEffects,
      dupFulfilments: l.dupFulfilments,
      dupEvents: l.dupEvents,
      dupWompi: l.dupWompi,
    }).toEqual({ lostEffects: 0, dupFulfilments: 0, dupEvents: 0, dupWompi: 0 });
    // the drill really killed a worker and its events still went out
    expect(r.readinessTimeline.some((t) => t.process === 'worker1' && !t.ready)).toBe(true);
    expect(l.eventsConsumed).toBeGreaterThanOrEqual(40);
    expect(r.pass).toBe(true);
  }, 240_000);
});
