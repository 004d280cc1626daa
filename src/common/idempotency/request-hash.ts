import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so two bodies that differ only in key order
 * (or in whitespace) hash the same. Arrays keep their order; `undefined` members are dropped
 * the way JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * What "the same request" means for an Idempotency-Key: SHA-256 (hex) of the method, the
 * request path (so one key cannot be replayed against another resource) and the canonical
 * body. An absent body counts as `{}`.
 */
export function requestHash(method: string, path: string, body: unknown): string {
  const normalisedBody = body === undefined || body === null ? {} : body;
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n${canonicalJson(normalisedBody)}`, 'utf8').digest('hex');
}

/**
 * A payment reference fixed to (caller, Idempotency-Key): a retry of the same request, even
 * after a crash and after its key expired, derives the same reference, and Wompi refuses a
 * second payment with a used reference. Safe characters only (`[a-z0-9_]`), 36 chars.
 */
export function referenceForIdempotencyKey(caller: string, key: string, prefix = 'pay'): string {
  const digest = createHash('sha256').update(`${caller}\u0000${key}`, 'utf8').digest('hex');
  return `${prefix}_${digest.slice(0, 32)}`;
}
