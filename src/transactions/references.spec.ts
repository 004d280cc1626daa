import { permalinkOf, REFERENCE_PATTERN, referenceFor, sha256Hex } from './references';
import { decodeCursor, encodeCursor } from './usecases/cursor';

const jwt = (claims: object) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('references', () => {
  it('derives the same safe reference from the same caller and key, another from anything else', () => {
    const a = referenceFor('orders', 'key-1');
    expect(a).toMatch(REFERENCE_PATTERN);
    expect(referenceFor('orders', 'key-1')).toBe(a);
    expect(referenceFor('billing', 'key-1')).not.toBe(a);
    expect(referenceFor('orders', 'key-2')).not.toBe(a);
    // the separator keeps ("a\nb", "c") and ("a", "b\nc")-style splits apart
    expect(referenceFor('or', 'ders\nkey-1')).not.toBe(referenceFor('orders', 'key-1'));
    expect(referenceFor('orders', 'x'.repeat(255))).toMatch(REFERENCE_PATTERN);
  });

  it('reads the permalink claim of an acceptance token, and nothing from garbage', () => {
    expect(
      permalinkOf(jwt({ permalink: 'https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf' })),
    ).toBe('https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf');
    expect(permalinkOf(jwt({ other: 1 }))).toBeNull();
    expect(permalinkOf('not.a-jwt!.x')).toBeNull();
    expect(permalinkOf(undefined)).toBeNull();
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('list cursor', () => {
  it('round-trips and refuses anything it did not issue', () => {
    const c = { t: '2026-03-01T12:00:00.123456Z', i: '8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor('bm9wZQ')).toBeUndefined();
    expect(
      decodeCursor(Buffer.from(JSON.stringify({ t: "2026'; drop table payments; --", i: c.i })).toString('base64url')),
    ).toBeUndefined();
    expect(decodeCursor(Buffer.from(JSON.stringify({ t: c.t, i: 'x' })).toString('base64url'))).toBeUndefined();
  });
});
