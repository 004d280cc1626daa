/* Steady load of card payments through POST /v1/transactions, like a real caller: one
 * Idempotency-Key per payment, retried with the SAME key on 5xx, 409 in flight, timeouts and
 * refused connections (each counted), until a 2xx or a definitive 4xx, within a deadline. */
import { RunningSandbox } from '../src/sandbox/start-sandbox';
import { sleep } from './procs';

export const APPROVED_CARD = '4242424242424242';
export const DECLINED_CARD = '4111111111111111';

export interface CallerRecord {
  n: number;
  key: string;
  card: 'approved' | 'declined';
  startedAt: number;
  doneAt?: number;
  /** every HTTP status seen, 0 = network error or timeout */
  statuses: number[];
  http5xx: number;
  networkErrors: number;
  /** our payment id from the answer */
  id?: string;
  firstStatus?: string;
  /** the last answer was a 4xx other than 409: the caller stops */
  refused?: string;
}

async function json<T>(url: string, init: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Card token and acceptance tokens prepared before the drill (the sandbox is faulted later). */
export async function prepareBodies(
  sandbox: RunningSandbox,
  count: number,
  tag: string,
): Promise<{ key: string; card: 'approved' | 'declined'; body: Record<string, unknown> }[]> {
  const out: { key: string; card: 'approved' | 'declined'; body: Record<string, unknown> }[] = [];
  const one = async (n: number) => {
    const card = n % 3 === 2 ? 'declined' : 'approved';
    const tok = await json<{ data: { id: string } }>(`${sandbox.baseUrl}/tokens/cards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.keys.publicKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        number: card === 'approved' ? APPROVED_CARD : DECLINED_CARD,
        cvc: '123',
        exp_month: '12',
        exp_year: '35',
        card_holder: 'Juana Perez',
      }),
    });
    if (tok.status !== 201 && tok.status !== 200) throw new Error(`card tokenisation answered ${tok.status}`);
    const m = await json<{
      data: {
        presigned_acceptance: { acceptance_token: string };
        presigned_personal_data_auth: { acceptance_token: string };
      };
    }>(`${sandbox.baseUrl}/merchants/${sandbox.keys.publicKey}`, {});
    if (m.status !== 200) throw new Error(`merchant endpoint answered ${m.status}`);
    const key = `chaos-${tag}-${n}`;
    out[n] = {
      key,
      card,
      body: {
        amount_in_cents: 2_490_000 + n * 100,
        currency: 'COP',
        customer_email: 'buyer@example.com',
        reference: key,
        acceptance_token: m.body.data.presigned_acceptance.acceptance_token,
        accept_personal_auth: m.body.data.presigned_personal_data_auth.acceptance_token,
        payment_method: { type: 'CARD', token: tok.body.data.id, installments: 1 },
        metadata: { order_id: key },
      },
    };
  };
  for (let i = 0; i < count; i += 25)
    await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => one(i + j)));
  return out;
}

async function pay(
  apiUrl: string,
  apiKey: string,
  rec: CallerRecord,
  body: Record<string, unknown>,
  deadline: number,
): Promise<void> {
  let backoff = 500;
  while (Date.now() < deadline) {
    let status = 0;
    let retryAfter = 0;
    try {
      const res = await fetch(`${apiUrl}/v1/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': rec.key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      retryAfter = Number(res.headers.get('retry-after') ?? 0);
      const text = await res.text();
      if (status >= 200 && status < 300) {
        const b = JSON.parse(text) as { id: string; status: string };
        rec.id = b.id;
        rec.firstStatus = b.status;
      } else if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
        rec.refused = `${status} ${text.slice(0, 300)}`;
      }
    } catch {
      status = 0;
    }
    rec.statuses.push(status);
    if (status >= 500) rec.http5xx++;
    if (status === 0) rec.networkErrors++;
    if (rec.id || rec.refused) break;
    const wait = Math.min(Math.max(backoff, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0), 5_000);
    await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
    backoff = Math.min(backoff * 2, 4_000);
  }
  rec.doneAt = Date.now();
}

/** Starts payment n at t0 + n/rate; resolves when every caller is done (answered, refused or past the deadline). */
export async function runLoad(opts: {
  apiUrl: string;
  apiKey: string;
  bodies: { key: string; card: 'approved' | 'declined'; body: Record<string, unknown> }[];
  ratePerS: number;
  callerDeadline: () => number;
  onTick?: (started: number) => void;
}): Promise<CallerRecord[]> {
  const t0 = Date.now();
  const records: CallerRecord[] = [];
  const running: Promise<void>[] = [];
  for (let n = 0; n < opts.bodies.length; n++) {
    const at = t0 + (n * 1000) / opts.ratePerS;
    if (at > Date.now()) await sleep(at - Date.now());
    const b = opts.bodies[n];
    const rec: CallerRecord = {
      n,
      key: b.key,
      card: b.card,
      startedAt: Date.now(),
      statuses: [],
      http5xx: 0,
      networkErrors: 0,
    };
    records.push(rec);
    running.push(pay(opts.apiUrl, opts.apiKey, rec, b.body, opts.callerDeadline()));
    opts.onTick?.(n + 1);
  }
  await Promise.all(running);
  return records;
}
