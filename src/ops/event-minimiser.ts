/**
 * Data minimisation of a settled Wompi event (Ley 1581: keep what the purpose needs). What
 * stays: the envelope (`event`, `environment`, `signature`, `timestamp`, `sent_at`), and for each
 * object in `data` its ids, status, amount, reference, currency, times and payment method type,
 * plus the value of every signed property verbatim — so an auditor can still recompute the
 * checksum from the kept body and the events secret, and a replay still has what the processor
 * reads. What goes: buyer email, name, phone, legal id, addresses, billing data, and every
 * payment-method detail but its type (card token, holder name, bank codes, phone numbers).
 */

const KEPT_ENVELOPE = ['event', 'environment', 'signature', 'timestamp', 'sent_at'] as const;

/** Fields of a Wompi transaction (or token) that identify it and carry no buyer data. */
export const KEPT_RECORD_FIELDS = [
  'id',
  'created_at',
  'finalized_at',
  'amount_in_cents',
  'reference',
  'currency',
  'payment_method_type',
  'status',
  'status_message',
  'payment_source_id',
  'payment_link_id',
  'type',
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A transaction-like record with only the kept fields; payment_method keeps only its type. */
export function minimiseRecord(record: Json): Json {
  const out: Json = {};
  for (const k of KEPT_RECORD_FIELDS) if (k in record) out[k] = record[k];
  const method = record.payment_method;
  if (isObject(method)) out.payment_method = 'type' in method ? { type: method.type } : {};
  return out;
}

function copyPath(from: unknown, to: Json, path: string): void {
  const parts = path.split('.');
  let src: unknown = from;
  for (const p of parts) {
    if (!isObject(src) || !Object.prototype.hasOwnProperty.call(src, p)) return;
    src = src[p];
  }
  let node = to;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(node[p])) node[p] = {};
    node = node[p] as Json;
  }
  node[parts[parts.length - 1]] = src;
}

/** The minimised event; anything that is not an event object comes back as `{}`. */
export function minimiseEvent(event: unknown): Json {
  if (!isObject(event)) return {};
  const out: Json = {};
  for (const k of KEPT_ENVELOPE) if (k in event) out[k] = event[k];
  const data: Json = {};
  if (isObject(event.data)) {
    for (const [k, v] of Object.entries(event.data)) if (isObject(v)) data[k] = minimiseRecord(v);
    const properties =
      isObject(event.signature) && Array.isArray(event.signature.properties) ? event.signature.properties : [];
    for (const p of properties) if (typeof p === 'string') copyPath(event.data, data, p);
  }
  out.data = data;
  return out;
}

/** The minimised raw body (JSON text); a body that is not JSON is dropped entirely. */
export function minimiseRawBody(raw: string): string {
  try {
    return JSON.stringify(minimiseEvent(JSON.parse(raw)));
  } catch {
    return '{}';
  }
}
