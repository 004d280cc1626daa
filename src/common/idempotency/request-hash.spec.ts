import { createHash } from 'node:crypto';
import { canonicalJson, referenceForIdempotencyKey, requestHash } from './request-hash';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
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
});

describe('requestHash', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('is sha256 of method, path and canonical body', () => {
    expect(requestHash('post', '/v1/checkout-sessions', { b: 2, a: 1 })).toBe(sha('POST\n/v1/checkout-sessions\n{"a":1,"b":2}'));
  });

  it('differs when the body, the path or the method differs', () => {
    const base = requestHash('POST', '/v1/transactions', { amount_in_cents: 150000 });
    expect(requestHash('POST', '/v1/transactions', { amount_in_cents: 150001 })).not.toBe(base);
    expect(requestHash('POST', '/v1/checkout-sessions', { amount_in_cents: 150000 })).not.toBe(base);
    expect(requestHash('PUT', '/v1/transactions', { amount_in_cents: 150000 })).not.toBe(base);
  });

  it('treats a missing body as an empty object', () => {
    expect(requestHash('POST', '/v1/transactions/x/void', undefined)).toBe(requestHash('POST', '/v1/transactions/x/void', {}));
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
