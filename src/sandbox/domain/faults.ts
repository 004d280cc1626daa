import { WompiError } from './wompi-error';

export interface RequestMatch {
  count: number;
  method?: string;
  path?: string;
}

export interface Faults {
  latency_ms?: number;
  error_rate?: number;
  fail_next?: RequestMatch & { status: number; retry_after_s?: number };
  hang_next?: RequestMatch & { apply?: boolean };
  webhooks?: { drop_next?: number; duplicate?: boolean; reorder?: boolean; reorder_window_ms?: number };
  buyer_retry?: boolean;
  /** Real Wompi may show `async_payment_url` only on a later poll (docs/wompi.md#payment-methods); opt in to imitate it. */
  async_url_on_poll?: boolean;
  /** The next N payments the payer decides outside the API (PSE, Nequi…) are abandoned: no outcome, PENDING until `decide`. */
  abandon_next?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function checkMatch(v: Obj, name: string, problems: Record<string, string[]>): void {
  if (!isInt(v.count, 1, 1_000_000)) problems[`${name}.count`] = ['Debe ser un entero mayor a 0'];
  if (v.method !== undefined && typeof v.method !== 'string') problems[`${name}.method`] = ['Debe ser texto'];
  if (v.path !== undefined && (typeof v.path !== 'string' || !v.path.startsWith('/')))
    problems[`${name}.path`] = ['Debe empezar por /'];
}

/** Validates a fault set from the admin API or the environment; throws a 422 listing every problem. */
export function parseFaults(input: unknown): Faults {
  const problems: Record<string, string[]> = {};
  if (!isObj(input))
    throw new WompiError(422, {
      error: { type: 'INPUT_VALIDATION_ERROR', messages: { faults: ['Debe ser un objeto'] } },
    });
  const known = [
    'latency_ms',
    'error_rate',
    'fail_next',
    'hang_next',
    'webhooks',
    'buyer_retry',
    'async_url_on_poll',
    'abandon_next',
  ];
  for (const k of Object.keys(input)) if (!known.includes(k)) problems[k] = ['Campo desconocido'];
  const f = input as Obj;
  if (f.latency_ms !== undefined && !isInt(f.latency_ms, 0, 600_000))
    problems.latency_ms = ['Debe ser un entero entre 0 y 600000'];
  if (f.error_rate !== undefined && (typeof f.error_rate !== 'number' || f.error_rate < 0 || f.error_rate > 1)) {
    problems.error_rate = ['Debe ser un número entre 0 y 1'];
  }
  if (f.fail_next !== undefined) {
    if (!isObj(f.fail_next)) problems.fail_next = ['Debe ser un objeto'];
    else {
      checkMatch(f.fail_next, 'fail_next', problems);
      if (!isInt(f.fail_next.status, 400, 599))
        problems['fail_next.status'] = ['Debe ser un estado HTTP entre 400 y 599'];
      if (f.fail_next.retry_after_s !== undefined && !isInt(f.fail_next.retry_after_s, 0, 86_400)) {
        problems['fail_next.retry_after_s'] = ['Debe ser un entero entre 0 y 86400'];
      }
    }
  }
  if (f.hang_next !== undefined) {
    if (!isObj(f.hang_next)) problems.hang_next = ['Debe ser un objeto'];
    else {
      checkMatch(f.hang_next, 'hang_next', problems);
      if (f.hang_next.apply !== undefined && typeof f.hang_next.apply !== 'boolean')
        problems['hang_next.apply'] = ['Debe ser booleano'];
    }
  }
  if (f.webhooks !== undefined) {
    if (!isObj(f.webhooks)) problems.webhooks = ['Debe ser un objeto'];
    else {
      const w = f.webhooks;
      if (w.drop_next !== undefined && !isInt(w.drop_next, 0, 1_000_000))
        problems['webhooks.drop_next'] = ['Debe ser un entero mayor o igual a 0'];
      for (const b of ['duplicate', 'reorder'] as const) {
        if (w[b] !== undefined && typeof w[b] !== 'boolean') problems[`webhooks.${b}`] = ['Debe ser booleano'];
      }
      if (w.reorder_window_ms !== undefined && !isInt(w.reorder_window_ms, 0, 3_600_000))
        problems['webhooks.reorder_window_ms'] = ['Debe ser un entero'];
    }
  }
  if (f.abandon_next !== undefined && !isInt(f.abandon_next, 0, 1_000_000))
    problems.abandon_next = ['Debe ser un entero mayor o igual a 0'];
  for (const b of ['buyer_retry', 'async_url_on_poll'] as const) {
    if (f[b] !== undefined && typeof f[b] !== 'boolean') problems[b] = ['Debe ser booleano'];
  }
  if (Object.keys(problems).length > 0)
    throw new WompiError(422, { error: { type: 'INPUT_VALIDATION_ERROR', messages: problems } });
  return structuredClone(f) as Faults;
}

function matches(m: RequestMatch, method: string, path: string): boolean {
  return (
    (m.method === undefined || m.method.toUpperCase() === method.toUpperCase()) &&
    (m.path === undefined || path.startsWith(m.path))
  );
}

/** The live fault set; one-shot counters are consumed as requests and deliveries match them. */
export class FaultState {
  private faults: Faults = {};

  constructor(private readonly initial: Faults = {}) {
    this.faults = structuredClone(initial);
  }

  get(): Faults {
    return structuredClone(this.faults);
  }

  set(f: Faults): void {
    this.faults = structuredClone(f);
  }

  clear(): void {
    this.faults = {};
  }

  get latencyMs(): number {
    return this.faults.latency_ms ?? 0;
  }

  shouldError(random: () => number = Math.random): boolean {
    const r = this.faults.error_rate ?? 0;
    return r > 0 && random() < r;
  }

  takeFail(method: string, path: string): { status: number; retryAfterS: number } | undefined {
    const f = this.faults.fail_next;
    if (!f || !matches(f, method, path)) return undefined;
    if (--f.count <= 0) delete this.faults.fail_next;
    return { status: f.status, retryAfterS: f.retry_after_s ?? 1 };
  }

  takeHang(method: string, path: string): { apply: boolean } | undefined {
    const h = this.faults.hang_next;
    if (!h || !matches(h, method, path)) return undefined;
    if (--h.count <= 0) delete this.faults.hang_next;
    return { apply: h.apply === true };
  }

  takeDrop(): boolean {
    const w = this.faults.webhooks;
    if (!w?.drop_next) return false;
    w.drop_next--;
    return true;
  }

  get duplicate(): boolean {
    return this.faults.webhooks?.duplicate === true;
  }

  get reorder(): boolean {
    return this.faults.webhooks?.reorder === true;
  }

  get reorderWindowMs(): number {
    return this.faults.webhooks?.reorder_window_ms ?? 2000;
  }

  takeBuyerRetry(): boolean {
    if (!this.faults.buyer_retry) return false;
    this.faults.buyer_retry = false;
    return true;
  }

  /** One abandoned payment, if the fault asks for it. */
  takeAbandon(): boolean {
    if (!this.faults.abandon_next) return false;
    this.faults.abandon_next--;
    return true;
  }

  get asyncUrlOnPoll(): boolean {
    return this.faults.async_url_on_poll === true;
  }
}
