import { createHash } from 'node:crypto';
import { canonicalJson, referenceForIdempotencyKey, requestHash } from './request-hash';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text for bodies that differ only in key order', () => {
    expect(canonicalJson({ amount_in_cents: 150000, currency: 'COP', metadata: { order: 'A1', line: 2 } })).toBe(
      canonicalJson({ metadata: { line: 2, order: 'A1' }, currency: 'COP', amount_in_cents: 150000 }),
    );
  });

  it('drops undefined members like JSON.stringify and keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });

  it('renders scalars and top-level undefined', () => {
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(12)).toBe('12');
    expect(canonicalJson(undefined)).toBe('null');
  });

  // the recursive implementation it replaced: stored request hashes must not change
  const previous = (value: unknown): string => {
    const sortKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)));
      if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) {
          const x = (v as Record<string, unknown>)[k];
          if (x !== undefined) out[k] = sortKeys(x);
        }
        return out;
      }
      return v;
    };
    return value === undefined ? 'null' : JSON.stringify(sortKeys(value));
  };

  it.each<[string, unknown]>([
    [
      'a full create body',
      {
        payment_method: { type: 'CARD', token: 'tok_test_1', installments: 1 },
        amount_in_cents: 2490000,
        currency: 'COP',
        metadata: { order_id: '1001', tags: ['a', 'b'], nested: { z: null, y: [1, [2, [3, {}]], []] } },
      },
    ],
    [
      'escapes, unicode keys and numbers',
      { 'ñ"\\\n': 'é\u2028"', B: -0, a: 1e21, c: 0.1, d: NaN, e: Infinity, f: true, '': '' },
    ],
    [
      'undefined, functions, holes and dates',
      // eslint-disable-next-line no-sparse-arrays
      { a: [undefined, () => 1, , 3], b: () => 2, c: new Date(0), d: [new Date(86_400_000)], e: new Date(NaN) },
    ],
    ['empty containers and top-level arrays', [[], {}, [{}], { a: [] }]],
    ['scalars', 'x'],
    ['null', null],
  ])('gives byte for byte the text of the recursive implementation: %s', (_label, value) => {
    expect(canonicalJson(value)).toBe(previous(value));
  });

  it('takes nesting far deeper than any call stack without overflowing', () => {
    const depth = 50_000;
    const deep = JSON.parse('['.repeat(depth) + '{"b":1,"a":2}' + ']'.repeat(depth)) as unknown;
    expect(() => previous(deep)).toThrow(RangeError); // what the door now keeps from it
    expect(canonicalJson(deep)).toBe('['.repeat(depth) + '{"a":2,"b":1}' + ']'.repeat(depth));
  });

  it('throws on a cycle like JSON.stringify instead of looping', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(TypeError);
    const shared = { s: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"s":1},"b":[{"s":1}]}'); // repeated, not circular
  });
});

describe('requestHash', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('is sha256 of method, path and canonical body', () => {
    expect(requestHash('post', '/v1/checkout-sessions', { b: 2, a: 1 })).toBe(
      sha('POST\n/v1/checkout-sessions\n{"a":1,"b":2}'),
    );
  });

  it('differs when the body, the path or the method differs', () => {
    const base = requestHash('POST', '/v1/transactions', { amount_in_cents: 150000 });
    expect(requestHash('POST', '/v1/transactions', { amount_in_cents: 150001 })).not.toBe(base);
    expect(requestHash('POST', '/v1/checkout-sessions', { amount_in_cents: 150000 })).not.toBe(base);
    expect(requestHash('PUT', '/v1/transactions', { amount_in_cents: 150000 })).not.toBe(base);
  });

  it('treats a missing body as an empty object', () => {
    expect(requestHash('POST', '/v1/transactions/x/void', undefined)).toBe(
      requestHash('POST', '/v1/transactions/x/void', {}),
    );
  });

  it('distinguishes a number from its string form', () => {
    expect(requestHash('POST', '/p', { a: 1 })).not.toBe(requestHash('POST', '/p', { a: '1' }));
  });
});

describe('referenceForIdempotencyKey', () => {
  it('is deterministic per caller and key, and safe for Wompi', () => {
    const r = referenceForIdempotencyKey('orders', 'key-1');
    expect(r).toBe(referenceForIdempotencyKey('orders', 'key-1'));
    expect(r).toMatch(/^pay_[0-9a-f]{32}$/);
    expect(referenceForIdempotencyKey('billing', 'key-1')).not.toBe(r);
    expect(referenceForIdempotencyKey('orders', 'key-2')).not.toBe(r);
    expect(referenceForIdempotencyKey('orders', 'key-1', 'chk')).toMatch(/^chk_/);
  });

  it('does not confuse caller/key boundaries', () => {
    expect(referenceForIdempotencyKey('ab', 'c')).not.toBe(referenceForIdempotencyKey('a', 'bc'));
  });
});
