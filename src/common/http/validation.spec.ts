import { ValidationError } from 'class-validator';
import {
  flattenValidationErrors,
  jsonDepthErrors,
  MAX_JSON_CONTAINER_SIZE,
  MAX_JSON_DEPTH,
  screenJson,
} from './validation';

const nest = (levels: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

describe('jsonDepthErrors (the one depth rule)', () => {
  it('allows MAX_JSON_DEPTH levels below the body and names the top-level field of anything deeper', () => {
    // body (level 0) → ok (1) → MAX_JSON_DEPTH - 1 more containers: the deepest is at level MAX_JSON_DEPTH
    expect(jsonDepthErrors({ ok: nest(MAX_JSON_DEPTH) })).toEqual({});
    expect(jsonDepthErrors({ ok: nest(MAX_JSON_DEPTH), deep: nest(MAX_JSON_DEPTH + 1), flat: 1 })).toEqual({
      deep: [`must not be nested deeper than ${MAX_JSON_DEPTH} levels`],
    });
  });

  it('names each too-deep field once, and `body` when the value itself is too deep', () => {
    expect(jsonDepthErrors({ a: { x: nest(40), y: nest(40) }, b: nest(40) })).toEqual({
      a: [expect.any(String)],
      b: [expect.any(String)],
    });
    expect(jsonDepthErrors(nest(3), 1)).toEqual({ 0: [expect.any(String)] });
    expect(jsonDepthErrors({ a: 1 }, -1)).toEqual({ body: [expect.any(String)] });
  });

  it('is iterative: a million levels do not overflow the stack', () => {
    const n = 1_000_000;
    const deep = JSON.parse('{"m":' + '['.repeat(n) + ']'.repeat(n) + '}') as unknown;
    expect(jsonDepthErrors(deep)).toEqual({ m: [`must not be nested deeper than ${MAX_JSON_DEPTH} levels`] });
    expect(screenJson(deep)).toEqual({ m: [`must not be nested deeper than ${MAX_JSON_DEPTH} levels`] });
  });

  it('leaves scalars and shallow values alone', () => {
    for (const v of [undefined, null, 1, 'x', [], {}, { a: [1, { b: 'c' }] }]) expect(jsonDepthErrors(v)).toEqual({});
  });
});

describe('screenJson', () => {
  it('still names NUL characters and unpaired surrogates in values and keys', () => {
    expect(screenJson({ note: 'a\u0000b', meta: { 'k\ud800': 1 }, ok: 'é' })).toEqual({
      note: ['must not contain NUL characters or invalid Unicode'],
      meta: ['must not have keys with NUL characters or invalid Unicode'],
    });
  });
});

describe('screenJson: prototype keys and container sizes', () => {
  it('names every __proto__, constructor and prototype key on its own path, however deep', () => {
    const body = JSON.parse(
      '{"__proto__":{"a":1},"metadata":{"x":{"constructor":1}},"list":[{"prototype":2}]}',
    ) as unknown;
    // computed keys: a literal `__proto__:` would set the expected object's prototype
    expect(screenJson(body)).toEqual({
      ['__proto__']: [expect.stringContaining('not accepted')],
      'metadata.x.constructor': [expect.stringContaining('not accepted')],
      'list.0.prototype': [expect.stringContaining('not accepted')],
    });
    expect(Object.getPrototypeOf(screenJson(body))).toBe(Object.prototype);
  });

  it('refuses an array or object larger than MAX_JSON_CONTAINER_SIZE without walking it', () => {
    expect(screenJson({ a: new Array(MAX_JSON_CONTAINER_SIZE).fill(1) })).toEqual({});
    expect(screenJson({ a: new Array(MAX_JSON_CONTAINER_SIZE + 1).fill('\u0000') })).toEqual({
      a: [`must have at most ${MAX_JSON_CONTAINER_SIZE} items`],
    });
    const wide = Object.fromEntries(Array.from({ length: MAX_JSON_CONTAINER_SIZE + 1 }, (_, i) => [`k${i}`, 1]));
    expect(screenJson({ m: wide })).toEqual({ m: [`must have at most ${MAX_JSON_CONTAINER_SIZE} fields`] });
  });
});

describe('flattenValidationErrors', () => {
  it('replaces a message that quotes implementation text, and keeps a __proto__ path as a field', () => {
    const errors: ValidationError[] = [
      {
        property: 'amount_in_cents',
        constraints: { x: 'amount_in_cents must be at least function Object() { [native code] }' },
        children: [],
      },
      {
        property: '__proto__',
        constraints: { whitelistValidation: 'property __proto__ should not exist' },
        children: [],
      },
    ];
    const out = flattenValidationErrors(errors);
    expect(out).toEqual({
      amount_in_cents: ['amount_in_cents is invalid'],
      ['__proto__']: ['__proto__ is not an accepted field'],
    });
    expect(Object.keys(out)).toEqual(['amount_in_cents', '__proto__']);
  });
});
