/* The ledger of a drill, read from the outside once it has settled: the sandbox's
 * transactions (private key, by reference), our tables, and the CloudEvents consumed from
 * RabbitMQ. Every number here is a count of something that can be named. */
import { Client } from 'pg';
import { wompiReferenceFor } from '../src/transactions/references';
import { CallerRecord } from './load';
import { CHAOS_CALLER, Stack } from './stack';

const FINAL = ['APPROVED', 'DECLINED', 'ERROR', 'VOIDED'];

export interface Ledger {
  payments: number;
  /** final here with the same status as the sandbox's final transaction */
  matching: number;
  /** the sandbox finalised it and we have it missing, not final, or with another status */
  lost: number;
  /** a final payment without its one fulfilment, a fulfilment of a status the sandbox did not decide, or one without its CloudEvent */
  lostEffects: number;
  dupFulfilments: number;
  /** (payment, state) pairs with more than one CloudEvent id, or events of a state never fulfilled */
  dupEvents: number;
  /** more than one Wompi transaction for one reference (a create sent twice) */
  dupWompi: number;
  /** not final here while the sandbox holds a transaction for it (or holds it PENDING) */
  stuck: number;
  /** UNKNOWN here with nothing at the sandbox: a create that never reached Wompi, inside the service's documented 10-minute resolve window */
  open: number;
  /** callers that got no 2xx (refused, or gave up at the deadline) */
  unanswered: number;
  refused: string[];
  http5xx: number;
  networkErrors: number;
  /** every answer callers got, by HTTP status (0 = network error or timeout) */
  callerStatuses: Record<string, number>;
  outbox: Record<string, number>;
  inbox: Record<string, number>;
  anomalies: Record<string, number>;
  /** sandbox deliveries: attempts and events given up (every attempt failed) */
  deliveries: { attempts: number; failedAttempts: number; givenUp: number };
  eventsConsumed: number;
  /** seconds from the heal until the last payment started before it was final and its event consumed; null if one never was */
  recoverS: number | null;
  problems: string[];
}

export async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

interface WompiTx {
  id: string;
  status: string;
  reference: string;
}

/** Wompi's transactions by our caller's reference (Wompi knows the derived, per-caller `wompi_reference`). */
export async function sandboxByReference(stack: Stack, refs: string[]): Promise<Map<string, WompiTx[]>> {
  const out = new Map<string, WompiTx[]>();
  for (let i = 0; i < refs.length; i += 25) {
    await Promise.all(
      refs.slice(i, i + 25).map(async (ref) => {
        const wompiRef = wompiReferenceFor(CHAOS_CALLER, ref);
        const res = await fetch(`${stack.sandbox.baseUrl}/transactions?reference=${encodeURIComponent(wompiRef)}`, {
          headers: { authorization: `Bearer ${stack.sandbox.keys.privateKey}` },
        });
        if (res.status !== 200) throw new Error(`sandbox search answered ${res.status}`);
        out.set(ref, ((await res.json()) as { data: WompiTx[] }).data);
      }),
    );
  }
  return out;
}

interface OurPayment {
  id: string;
  reference: string;
  status: string;
  wompi_transaction_id: string | null;
  finalized_at: Date | null;
}

/** Cheap check used while settling: nothing non-final here but creates that never reached Wompi, outbox drained, every fulfilment's event consumed. */
export async function settled(stack: Stack, callers: CallerRecord[]): Promise<boolean> {
  if (callers.some((c) => c.doneAt === undefined)) return false;
  const nonFinal = await query<{ reference: string }>(
    stack.dbUrl,
    `select reference from payments where status not in ('APPROVED','DECLINED','ERROR','VOIDED')`,
  );
  if (nonFinal.length > 20) return false;
  if (nonFinal.length > 0) {
    const at = await sandboxByReference(
      stack,
      nonFinal.map((p) => p.reference),
    );
    if ([...at.values()].some((txs) => txs.length > 0)) return false;
  }
  const [o] = await query<{ pending: number; fulfilments: number }>(
    stack.dbUrl,
    `select (select count(*)::int from outbox where status = 'PENDING') as pending, (select count(*)::int from fulfilments) as fulfilments`,
  );
  const consumed = new Set(stack.events.map((e) => `${e.subject}|${e.type}`));
  return o.pending === 0 && consumed.size >= o.fulfilments;
}

export async function readLedger(stack: Stack, callers: CallerRecord[], healAt: number): Promise<Ledger> {
  const problems: string[] = [];
  const note = (p: string) => problems.length < 30 && problems.push(p);
  const refs = callers.map((c) => c.key);
  const wompi = await sandboxByReference(stack, refs);
  const ours = new Map(
    (
      await query<OurPayment>(
        stack.dbUrl,
        `select id, reference, status, wompi_transaction_id, finalized_at from payments`,
      )
    ).map((p) => [p.reference, p]),
  );
  const fulfilments = await query<{ payment_id: string; status: string; n: number }>(
    stack.dbUrl,
    `select payment_id, status, count(*)::int as n from fulfilments group by payment_id, status`,
  );
  const count = async (table: string, col: string) =>
    Object.fromEntries(
      (
        await query<{ k: string; n: number }>(
          stack.dbUrl,
          `select ${col} as k, count(*)::int as n from ${table} group by ${col}`,
        )
      ).map((r) => [r.k, r.n]),
    );
  const outbox = await count('outbox', 'status');
  const inbox = await count('webhook_inbox', 'status');
  const anomalies = await count('payment_anomalies', 'kind');

  const fulfilBy = new Map<string, Map<string, number>>();
  for (const f of fulfilments)
    fulfilBy.set(f.payment_id, new Map([...(fulfilBy.get(f.payment_id) ?? []), [f.status, f.n]]));
  const eventIds = new Map<string, Set<string>>();
  const lastEventAt = new Map<string, number>();
  for (const e of stack.events) {
    const k = `${e.subject}|${e.type}`;
    eventIds.set(k, new Set([...(eventIds.get(k) ?? []), e.id]));
    lastEventAt.set(e.subject, Math.max(lastEventAt.get(e.subject) ?? 0, e.at));
  }

  const l: Ledger = {
    payments: callers.length,
    matching: 0,
    lost: 0,
    lostEffects: 0,
    dupFulfilments: 0,
    dupEvents: 0,
    dupWompi: 0,
    stuck: 0,
    open: 0,
    unanswered: 0,
    refused: [],
    http5xx: 0,
    networkErrors: 0,
    callerStatuses: {},
    outbox,
    inbox,
    anomalies,
    deliveries: { attempts: 0, failedAttempts: 0, givenUp: 0 },
    eventsConsumed: stack.events.length,
    recoverS: 0,
    problems,
  };
  const expectedEvents = new Set<string>();
  let recoverUntil = healAt;
  for (const c of callers) {
    l.http5xx += c.http5xx;
    l.networkErrors += c.networkErrors;
    for (const st of c.statuses) l.callerStatuses[st] = (l.callerStatuses[st] ?? 0) + 1;
    if (!c.id) {
      l.unanswered++;
      if (c.refused) l.refused.push(`${c.key}: ${c.refused}`);
    }
    const txs = wompi.get(c.key) ?? [];
    const w = txs.find((t) => t.status === 'APPROVED' || t.status === 'VOIDED') ?? txs[txs.length - 1];
    const o = ours.get(c.key);
    if (txs.length > 1) {
      l.dupWompi++;
      note(`${c.key}: ${txs.length} Wompi transactions`);
    }
    const oursFinal = !!o && FINAL.includes(o.status);
    if (w && FINAL.includes(w.status)) {
      if (oursFinal && o!.status === w.status) l.matching++;
      else {
        l.lost++;
        note(`${c.key}: sandbox ${w.status}, ours ${o?.status ?? 'missing'}`);
      }
    } else if (w) {
      l.stuck++;
      note(`${c.key}: sandbox still ${w.status}, ours ${o?.status ?? 'missing'}`);
    } else if (o && !oursFinal) {
      l.open++;
    }
    if (o && !oursFinal && w && !FINAL.includes(w.status)) note(`${c.key}: not final on either side`);
    // effects: one fulfilment per final state, each with exactly one CloudEvent id
    const fs = o ? (fulfilBy.get(o.id) ?? new Map<string, number>()) : new Map<string, number>();
    if (oursFinal && !fs.has(o!.status)) {
      l.lostEffects++;
      note(`${c.key}: ${o!.status} without its fulfilment`);
    }
    for (const [status, n] of fs) {
      if (n > 1) l.dupFulfilments += n - 1;
      const decided = txs.some((t) => t.status === status) || (status === 'ERROR' && txs.length === 0);
      if (!decided) {
        l.lostEffects++;
        note(`${c.key}: fulfilled ${status}, sandbox says ${txs.map((t) => t.status).join(',') || 'nothing'}`);
      }
      const k = `${c.key}|transaction.${status.toLowerCase()}`;
      expectedEvents.add(k);
      const ids = eventIds.get(k)?.size ?? 0;
      if (ids === 0) {
        l.lostEffects++;
        note(`${c.key}: no ${k.split('|')[1]} consumed`);
      } else if (ids > 1) {
        l.dupEvents += ids - 1;
        note(`${c.key}: ${ids} CloudEvent ids for ${k.split('|')[1]}`);
      }
    }
    if (c.startedAt <= healAt && recoverUntil !== Infinity) {
      if (!oursFinal && !(o && !w)) recoverUntil = Infinity;
      else if (o?.finalized_at)
        recoverUntil = Math.max(recoverUntil, new Date(o.finalized_at).getTime(), lastEventAt.get(c.key) ?? 0);
    }
  }
  for (const [k, ids] of eventIds) {
    if (!expectedEvents.has(k)) {
      l.dupEvents += ids.size;
      note(`event ${k} consumed but no such fulfilment`);
    }
  }
  l.recoverS = recoverUntil === Infinity ? null : Math.round((recoverUntil - healAt) / 100) / 10;
  const deliveries = (await (await fetch(`${stack.sandbox.origin}/__sandbox/deliveries`)).json()) as {
    event_id: string;
    attempt: number;
    http_status: number | null;
  }[];
  const maxAttempt = stack.sandboxRetryDelays.length + 1;
  const okEvents = new Set(deliveries.filter((d) => d.http_status === 200).map((d) => d.event_id));
  l.deliveries = {
    attempts: deliveries.length,
    failedAttempts: deliveries.filter((d) => d.http_status !== 200).length,
    givenUp: new Set(
      deliveries
        .filter((d) => d.attempt === maxAttempt && d.http_status !== 200 && !okEvents.has(d.event_id))
        .map((d) => d.event_id),
    ).size,
  };
  return l;
}

export function passes(l: Ledger): boolean {
  return (
    l.lost === 0 &&
    l.lostEffects === 0 &&
    l.dupFulfilments === 0 &&
    l.dupEvents === 0 &&
    l.dupWompi === 0 &&
    l.stuck === 0 &&
    l.unanswered === 0
  );
}
