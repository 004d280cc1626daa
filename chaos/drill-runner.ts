/* Runs one drill end to end: stack up, steady load, the fault injected in the middle and
 * healed, a bounded settle, the ledger, stack down. Bounded in time at every step. */
import { Drill, DrillContext } from './drills';
import { Ledger, passes, readLedger, settled } from './ledger';
import { CallerRecord, prepareBodies, runLoad } from './load';
import { sleep } from './procs';
import { Stack } from './stack';

export interface DrillOptions {
  payments: number;
  ratePerS: number;
  quick: boolean;
  /** overrides the drill's settle bound */
  settleMs?: number;
  logDir: string;
  keepDb: boolean;
  log(message: string): void;
}

export interface DrillResult {
  drill: string;
  what: string;
  pass: boolean;
  error?: string;
  payments: number;
  ratePerS: number;
  faultMs: number;
  timings: { loadS: number; injectAtS: number; healAtS: number; settledAtS: number | null; totalS: number };
  readyDownS: Record<string, number>;
  readinessTimeline: { t_s: number; process: string; ready: boolean; status: number }[];
  notes: Record<string, unknown>;
  ledger?: Ledger;
}

let current: Stack | undefined;

/** The stack of the drill running now (for cleanup on Ctrl-C). */
export function currentStack(): Stack | undefined {
  return current;
}

export async function runDrill(drill: Drill, o: DrillOptions): Promise<DrillResult> {
  const t0 = Date.now();
  const faultMs = o.quick ? drill.quickFaultMs : drill.faultMs;
  const settleMs = o.settleMs ?? drill.settleMs;
  const loadMs = (o.payments * 1000) / o.ratePerS;
  const s = (at: number) => Math.round((at - t0) / 100) / 10;
  const result: DrillResult = {
    drill: drill.name,
    what: drill.what,
    pass: false,
    payments: o.payments,
    ratePerS: o.ratePerS,
    faultMs,
    timings: { loadS: 0, injectAtS: 0, healAtS: 0, settledAtS: null, totalS: 0 },
    readyDownS: {},
    readinessTimeline: [],
    notes: {},
  };
  const stack = new Stack({ drill: drill.name, logDir: o.logDir, env: drill.env, retryDelaysMs: [1000, 2000, 4000] });
  current = stack;
  const ctx: DrillContext = { stack, notes: result.notes, log: o.log };
  let injectAt = 0;
  let healAt = 0;
  try {
    o.log(`${drill.name}: starting the stack (api + 2 workers)`);
    await stack.start();
    const tag = `${drill.name}-${stack.dbName.slice(-6)}`;
    const bodies = await prepareBodies(stack.sandbox, o.payments, tag);
    const loadStart = Date.now();
    const callerDeadline = loadStart + loadMs + faultMs + settleMs;
    o.log(`${drill.name}: load ${o.payments} payments at ${o.ratePerS}/s (~${Math.round(loadMs / 1000)} s)`);
    const load = runLoad({
      apiUrl: stack.api.url,
      apiKey: stack.apiKey,
      bodies,
      ratePerS: o.ratePerS,
      callerDeadline: () => callerDeadline,
    });

    // the fault in the middle of the load, then healed
    const fault = (async () => {
      await sleep(Math.max(2_000, loadMs * 0.3));
      injectAt = Date.now();
      o.log(`${drill.name}: inject (${faultMs / 1000} s)`);
      await drill.inject(ctx);
      await sleep(Math.max(0, injectAt + faultMs - Date.now()));
      o.log(`${drill.name}: heal`);
      await drill.heal(ctx);
      healAt = Date.now();
    })();
    let callers: CallerRecord[] = [];
    const [loadOutcome, faultOutcome] = await Promise.allSettled([load, fault]);
    if (faultOutcome.status === 'rejected') throw faultOutcome.reason;
    if (loadOutcome.status === 'rejected') throw loadOutcome.reason;
    callers = loadOutcome.value;
    result.timings.loadS = s(Date.now());

    o.log(`${drill.name}: settling (bound ${settleMs / 1000} s)`);
    const settleDeadline = Date.now() + settleMs;
    while (Date.now() < settleDeadline) {
      if (await settled(stack, callers).catch(() => false)) {
        result.timings.settledAtS = s(Date.now());
        break;
      }
      await sleep(1_000);
    }
    // a last moment for the observer to receive what the relay just confirmed
    await sleep(1_000);
    result.ledger = await readLedger(stack, callers, healAt);
    result.pass = result.timings.settledAtS !== null && passes(result.ledger);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    o.log(`${drill.name}: ERROR ${result.error}`);
  } finally {
    if (stack.readiness) {
      const end = Date.now();
      result.readyDownS = stack.readiness.downSeconds(injectAt || t0, end);
      result.readinessTimeline = stack.readiness.timeline.map((t) => ({
        t_s: s(t.at),
        process: t.process,
        ready: t.ready,
        status: t.status,
      }));
    }
    result.timings.injectAtS = injectAt ? s(injectAt) : 0;
    result.timings.healAtS = healAt ? s(healAt) : 0;
    await stack.stop(o.keepDb);
    current = undefined;
    result.timings.totalS = s(Date.now());
  }
  return result;
}
