/**
 * Boundary validation of Wompi's success bodies: one small hand-written validator per shape.
 * A malformed answer throws `ShapeError` (the adapter turns it into GatewayBadResponse) instead
 * of travelling as an `undefined` into the use cases. Messages name the field, never its
 * value (values may be personal data or tokens).
 */
import {
  PresignedToken,
  PseFinancialInstitution,
  TransactionPage,
  WompiCardToken,
  WompiNequiToken,
  WompiPaymentLink,
  WompiPaymentSource,
  WompiTransaction,
  WompiTransactionStatus,
  WompiVoidResult,
} from './wompi.types';

export class ShapeError extends Error {
  constructor(
    readonly path: string,
    expected: string,
  ) {
    super(`${path} ${expected}`);
    this.name = 'ShapeError';
  }
}

type Obj = Record<string, unknown>;

export function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ShapeError(path, 'must be an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(path, 'must be a list');
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ShapeError(path, 'must be a non-empty string');
  return v;
}

/** absent and null both read as null */
function nullableStr(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ShapeError(path, 'must be a string or null');
  return v;
}

function int(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ShapeError(path, 'must be an integer');
  return v;
}

function nullableInt(v: unknown, path: string): number | null {
  return v === undefined || v === null ? null : int(v, path);
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new ShapeError(path, 'must be a boolean');
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ShapeError(path, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** `{ "data": … }`, Wompi's success envelope */
export function dataOf(body: unknown): unknown {
  const root = obj(body, 'body');
  if (!('data' in root)) throw new ShapeError('data', 'is missing');
  return root.data;
}

const STATUSES: readonly WompiTransactionStatus[] = ['PENDING', 'APPROVED', 'DECLINED', 'VOIDED', 'ERROR'];

export function transaction(v: unknown, path = 'data'): WompiTransaction {
  const t = obj(v, path);
  const pm = obj(t.payment_method ?? { type: t.payment_method_type }, `${path}.payment_method`);
  return {
    ...t,
    id: str(t.id, `${path}.id`),
    created_at: str(t.created_at, `${path}.created_at`),
    finalized_at: nullableStr(t.finalized_at, `${path}.finalized_at`),
    amount_in_cents: int(t.amount_in_cents, `${path}.amount_in_cents`),
    reference: str(t.reference, `${path}.reference`),
    customer_email: nullableStr(t.customer_email, `${path}.customer_email`),
    currency: str(t.currency, `${path}.currency`),
    payment_method_type: str(t.payment_method_type, `${path}.payment_method_type`),
    payment_method: { ...pm, type: str(pm.type, `${path}.payment_method.type`) },
    status: oneOf(t.status, STATUSES, `${path}.status`),
    status_message: nullableStr(t.status_message, `${path}.status_message`),
    redirect_url: nullableStr(t.redirect_url, `${path}.redirect_url`),
    payment_source_id: nullableInt(t.payment_source_id, `${path}.payment_source_id`),
    payment_link_id: nullableStr(t.payment_link_id, `${path}.payment_link_id`),
  };
}

export function transactionList(v: unknown): WompiTransaction[] {
  return arr(v, 'data').map((t, i) => transaction(t, `data[${i}]`));
}

/**
 * A page of the date-range listing. Wompi's `meta` shape is not documented (docs/wompi.md#uncertain-points-and-our-choices):
 * `total_results` is read when it is a number and ignored otherwise; paging never depends on it.
 */
export function transactionPage(body: unknown): TransactionPage {
  const root = obj(body, 'body');
  const meta = root.meta !== undefined && root.meta !== null && typeof root.meta === 'object' ? (root.meta as Obj) : {};
  const total = meta.total_results;
  return {
    data: transactionList(dataOf(body)),
    totalResults: typeof total === 'number' && Number.isSafeInteger(total) ? total : null,
  };
}

/**
 * The captured void answer is `{status, status_message, transaction}` (docs/wompi.md#void, partner
 * host); the public route's answer was never captured (docs/wompi.md#uncertain-points-and-our-choices), so a bare transaction is read as
 * a void whose outcome is that transaction's status.
 */
export function voidResult(v: unknown): WompiVoidResult {
  const r = obj(v, 'data');
  if (r.transaction === undefined && 'id' in r && 'amount_in_cents' in r) {
    const t = transaction(r, 'data');
    return { status: t.status, status_message: t.status_message, transaction: t };
  }
  return {
    status: str(r.status, 'data.status'),
    status_message: nullableStr(r.status_message, 'data.status_message'),
    transaction: transaction(r.transaction, 'data.transaction'),
  };
}

export function cardToken(v: unknown): WompiCardToken {
  const t = obj(v, 'data');
  const field = (k: string) => str(t[k], `data.${k}`);
  return {
    ...t,
    id: field('id'),
    brand: field('brand'),
    name: field('name'),
    last_four: field('last_four'),
    exp_month: field('exp_month'),
    exp_year: field('exp_year'),
    card_holder: field('card_holder'),
    created_at: field('created_at'),
    expires_at: field('expires_at'),
  };
}

export function nequiToken(v: unknown): WompiNequiToken {
  const t = obj(v, 'data');
  const name = nullableStr(t.name, 'data.name');
  return {
    id: str(t.id, 'data.id'),
    status: oneOf(t.status, ['PENDING', 'APPROVED', 'DECLINED'] as const, 'data.status'),
    phone_number: str(t.phone_number, 'data.phone_number'),
    ...(name === null ? {} : { name }),
  };
}

/** The list is wrapped in `data` live; the swagger example shows a bare array (docs/wompi.md#pse-banks). */
export function pseInstitutionsBody(body: unknown): PseFinancialInstitution[] {
  return pseInstitutions(Array.isArray(body) ? body : dataOf(body));
}

export function pseInstitutions(v: unknown): PseFinancialInstitution[] {
  return arr(v, 'data').map((b, i) => {
    const o = obj(b, `data[${i}]`);
    return {
      financial_institution_code: str(o.financial_institution_code, `data[${i}].financial_institution_code`),
      financial_institution_name: str(o.financial_institution_name, `data[${i}].financial_institution_name`),
    };
  });
}

export function paymentSource(v: unknown): WompiPaymentSource {
  const s = obj(v, 'data');
  const token = nullableStr(s.token, 'data.token');
  return {
    ...s,
    id: int(s.id, 'data.id'),
    type: str(s.type, 'data.type'),
    status: str(s.status, 'data.status'),
    ...(token === null ? {} : { token }),
    customer_email: nullableStr(s.customer_email, 'data.customer_email'),
    public_data: obj(s.public_data ?? {}, 'data.public_data'),
  };
}

export function paymentLink(v: unknown): WompiPaymentLink {
  const l = obj(v, 'data');
  return {
    ...l,
    id: str(l.id, 'data.id'),
    active: bool(l.active, 'data.active'),
    name: str(l.name, 'data.name'),
    description: str(l.description, 'data.description'),
    single_use: bool(l.single_use, 'data.single_use'),
    collect_shipping: bool(l.collect_shipping, 'data.collect_shipping'),
    amount_in_cents: nullableInt(l.amount_in_cents, 'data.amount_in_cents'),
    currency: str(l.currency, 'data.currency'),
  };
}

/** The two presigned tokens of the merchant endpoint (`expires_at` is filled in by the caller). */
export function merchantPresigned(v: unknown): {
  acceptance: Omit<PresignedToken, 'expires_at'>;
  personal: Omit<PresignedToken, 'expires_at'>;
} {
  const m = obj(v, 'data');
  const one = <T extends PresignedToken['type']>(key: string, type: T) => {
    const p = obj(m[key], `data.${key}`);
    return {
      acceptance_token: str(p.acceptance_token, `data.${key}.acceptance_token`),
      permalink: str(p.permalink, `data.${key}.permalink`),
      type: oneOf(p.type, [type] as const, `data.${key}.type`),
    };
  };
  return {
    acceptance: one('presigned_acceptance', 'END_USER_POLICY'),
    personal: one('presigned_personal_data_auth', 'PERSONAL_DATA_AUTH'),
  };
}
