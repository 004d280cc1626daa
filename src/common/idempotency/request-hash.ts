import { createHash } from 'node:crypto';

/** Text to emit as is, queued between the values still to serialise. */
class Emit {
  constructor(
    readonly text: string,
    readonly closes?: object,
  ) {}
}

/**
 * JSON with object keys sorted at every depth, so two bodies that differ only in key order
 * (or in whitespace) hash the same. Arrays keep their order; `undefined` (and function)
 * members are dropped the way JSON.stringify drops them, and become `null` in arrays; Dates
 * are their ISO string. Byte for byte what `JSON.stringify` of the key-sorted value gives
 * (stored request hashes stay valid), but iterative: request bodies reach it only after the
 * depth screen at the door (src/app.factory.ts), and even a value that did not would not
 * overflow the stack. A cycle throws a TypeError, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  let out = '';
  const open = new Set<object>();
  const todo: unknown[] = [value];
  while (todo.length) {
    let v = todo.pop();
    if (v instanceof Emit) {
      out += v.text;
      if (v.closes) open.delete(v.closes);
      continue;
    }
    if (v instanceof Date) v = v.toJSON();
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
      out += 'null'; // only reached inside arrays (object members are dropped below)
      continue;
    }
    if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v); // strings, numbers (non-finite → null), booleans; a bigint throws
      continue;
    }
    if (open.has(v)) throw new TypeError('Converting circular structure to JSON');
    open.add(v);
    // queued in reverse: the closing bracket first, then the members from last to first
    if (Array.isArray(v)) {
      out += '[';
      todo.push(new Emit(']', v));
      for (let i = v.length - 1; i >= 0; i--) {
        todo.push(v[i] as unknown); // a hole is undefined → null, as JSON.stringify has it
        if (i > 0) todo.push(new Emit(','));
      }
    } else {
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record)
        .sort()
        .filter((k) => record[k] !== undefined && typeof record[k] !== 'function' && typeof record[k] !== 'symbol');
      out += '{';
      todo.push(new Emit('}', v));
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push(record[keys[i]]);
        todo.push(new Emit(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`));
      }
    }
  }
  return out;
}

/**
 * What "the same request" means for an Idempotency-Key: SHA-256 (hex) of the method, the
 * request path (so one key cannot be replayed against another resource) and the canonical
 * body. An absent body counts as `{}`.
 */
export function requestHash(method: string, path: string, body: unknown): string {
  const normalisedBody = body === undefined || body === null ? {} : body;
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(normalisedBody)}`, 'utf8')
    .digest('hex');
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
