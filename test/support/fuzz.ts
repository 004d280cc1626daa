/* Malformed-request generation for the fuzz suite (test/contract/fuzz.spec.ts): every case is
 * derived from the served OpenAPI document and a seeded PRNG, so a failing run is replayed
 * exactly with FUZZ_SEED=<seed printed on failure>. */

export type Rng = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

export function sample<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const copy = [...xs];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

export interface FuzzCase {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** whether the test caller's API key is sent */
  auth: boolean;
}

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  example?: unknown;
  enum?: unknown[];
};
interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

// JSON text (not values), so numbers beyond double precision and -0 reach the server as sent
const NASTY_VALUES: readonly string[] = [
  'null',
  'true',
  'false',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e308',
  '-1e308',
  '1e-308',
  '9223372036854775808',
  '18446744073709551616',
  '1e30',
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"1e2"',
  '"0x10"',
  '" 5"',
  '""',
  '"\\u0000"',
  '"\\ud800"',
  '"__proto__"',
  '"constructor"',
  '"toString"',
  '"2026-W01"',
  '"20260101T000000Z"',
  '"2026-13-45T25:61:61Z"',
  '[]',
  '{}',
  '[null]',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"prototype":1}',
  '"💳☃️\\u202e"',
  '"../../etc/passwd"',
  '"\' OR 1=1 --"',
];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/merge-patch+json',
  'application/xml',
  'application/json; charset=utf-16',
  '',
];
const QUERY_VALUES = [
  '',
  '1e2',
  '0x10',
  '%205',
  '-1',
  '0',
  '99999999999999999999',
  'NaN',
  'null',
  '__proto__',
  '2026-W01',
  '20260101T000000Z',
  '%00',
  '%ZZ',
  '%E2%98%83',
  'a'.repeat(4096),
  '[]',
  '{}',
  '1.0',
];
const PATH_IDS = [
  'a'.repeat(2048),
  '%E2%98%83%F0%9F%92%B3',
  '..',
  '%2e%2e',
  '%00',
  '%ZZ',
  '-1',
  '0',
  '9223372036854775808',
  '1e3',
  '0x10',
  '__proto__',
  'constructor',
  '%20',
  'null',
  "'%20OR%201=1",
];

/** A string of about `kb` kilobytes (kept under 64 KiB bodies and over them). */
const big = (kb: number) => JSON.stringify('x'.repeat(kb * 1024));
const deepArray = (levels: number) => '['.repeat(levels) + '1' + ']'.repeat(levels);
const wideArray = (n: number) => '[' + Array.from({ length: n }, () => '1').join(',') + ']';

function resolve(doc: OpenApiDoc, s: Schema | undefined, seen = 0): Schema | undefined {
  if (!s || seen > 5) return s;
  if (s.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.split('/').pop() ?? ''], seen + 1);
  return s;
}

/** The operation's declared JSON properties: name → the example (or a plain value), one level deep. */
function bodyShape(doc: OpenApiDoc, op: Operation): Map<string, unknown> | undefined {
  const schema = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
  if (!schema) return undefined;
  const shape = new Map<string, unknown>();
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const p = resolve(doc, prop);
    shape.set(
      name,
      prop.example ??
        p?.example ??
        p?.enum?.[0] ??
        (p?.type === 'integer' || p?.type === 'number' ? 1 : p?.type === 'object' ? {} : 'x'),
    );
  }
  return shape;
}

function bodyWith(shape: Map<string, unknown>, field: string | undefined, raw: string | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of shape) if (k !== field) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  if (field !== undefined && raw !== undefined) parts.push(`${JSON.stringify(field)}:${raw}`);
  return `{${parts.join(',')}}`;
}

/** Every malformed request for one operation, before sampling. */
function operationCases(doc: OpenApiDoc, rng: Rng, method: string, template: string, op: Operation): FuzzCase[] {
  const out: FuzzCase[] = [];
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const validPath = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === 'id' && template.includes('outbox') ? '1' : '3f2a9c4e-1b2d-4e5f-9a0b-7c8d6e5f4a3b',
  );
  const M = method.toUpperCase();
  const jsonHeaders = (): Record<string, string> => ({
    'content-type': 'application/json',
    'idempotency-key': `fuzz-${Math.floor(rng() * 1e12)}`,
  });
  const add = (label: string, c: Partial<FuzzCase>) =>
    out.push({ label: `${M} ${template}: ${label}`, method: M, path: validPath, headers: {}, auth: true, ...c });

  for (const name of pathParams) {
    for (const id of PATH_IDS)
      add(`path ${name}=${id.slice(0, 24)}`, {
        path: template.replace(`{${name}}`, id).replace(/\{(\w+)\}/g, '1'),
        headers: M === 'GET' ? {} : jsonHeaders(),
        body: M === 'GET' ? undefined : '{}',
      });
  }
  const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  for (const name of query) {
    for (const v of QUERY_VALUES) add(`query ${name}=${v.slice(0, 24)}`, { path: `${validPath}?${name}=${v}` });
    add(`query ${name} twice`, { path: `${validPath}?${name}=1&${name}=2` });
    add(`query ${name}[]`, { path: `${validPath}?${name}[]=1&${name}[x]=2` });
  }
  if (M === 'GET')
    for (const k of [...PROTOTYPE_KEYS, 'unknown_param']) add(`query key ${k}`, { path: `${validPath}?${k}=1` });

  const shape = bodyShape(doc, op);
  if (shape && M !== 'GET') {
    for (const field of shape.keys()) {
      for (const raw of NASTY_VALUES)
        add(`body ${field}=${raw.slice(0, 24)}`, { headers: jsonHeaders(), body: bodyWith(shape, field, raw) });
      add(`body ${field} ~60 KB string`, { headers: jsonHeaders(), body: bodyWith(shape, field, big(60)) });
      add(`body ${field} ~100 KB string`, { headers: jsonHeaders(), body: bodyWith(shape, field, big(100)) });
      add(`body ${field} 10k-item array`, { headers: jsonHeaders(), body: bodyWith(shape, field, wideArray(10_000)) });
      add(`body ${field} array 32 deep`, { headers: jsonHeaders(), body: bodyWith(shape, field, deepArray(31)) });
      add(`body ${field} array 40 deep`, { headers: jsonHeaders(), body: bodyWith(shape, field, deepArray(40)) });
      for (const k of PROTOTYPE_KEYS)
        add(`body ${field}.${k}`, {
          headers: jsonHeaders(),
          body: bodyWith(shape, field, `{${JSON.stringify(k)}:{"polluted":true}}`),
        });
    }
    for (const k of PROTOTYPE_KEYS)
      add(`body key ${k}`, { headers: jsonHeaders(), body: bodyWith(shape, k, '{"polluted":true}') });
    for (const type of ODD_CONTENT_TYPES) {
      const headers = jsonHeaders();
      if (type) headers['content-type'] = type;
      else delete headers['content-type'];
      add(`content-type ${type || '(none)'}`, { headers, body: bodyWith(shape, undefined, undefined) });
    }
    for (const raw of ['', '{', '[]', 'null', '"x"', '1', '{"a":1,"a":2}', '\ufeff{}'])
      add(`raw body ${raw.slice(0, 12)}`, { headers: jsonHeaders(), body: raw });
  }
  const upper = validPath.replace(/[a-z]/g, (c) => (rng() < 0.5 ? c.toUpperCase() : c));
  add('mixed-case path', {
    path: upper === validPath ? validPath.toUpperCase() : upper,
    headers: M === 'GET' ? {} : jsonHeaders(),
    body: M === 'GET' ? undefined : '{}',
  });
  add('trailing slash', {
    path: `${validPath}/`,
    headers: M === 'GET' ? {} : jsonHeaders(),
    body: M === 'GET' ? undefined : '{}',
  });
  return out;
}

/**
 * The cases for the whole API: per operation at most `perOperation`, sampled with the seed;
 * the webhook route only with malformed or unsigned bodies; a share of cases without the key.
 */
export function fuzzCases(doc: OpenApiDoc, seed: number, perOperation: number, webhookPath: string): FuzzCase[] {
  const rng = seededRng(seed);
  const cases: FuzzCase[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    if (!template.startsWith('/v1/')) continue; // health, metrics and docs keep their own formats
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      if (template === webhookPath) continue;
      const all = operationCases(doc, rng, method, template, op);
      // every operation gets each media type, prototype key, repeated parameter and path case; the rest is sampled
      const always = all.filter((c) => /: (content-type|body key|mixed-case|query \w+ twice|query key)/.test(c.label));
      const chosen = [
        ...always,
        ...sample(
          rng,
          all.filter((c) => !always.includes(c)),
          Math.max(0, perOperation - always.length),
        ),
      ];
      for (const c of chosen) cases.push(rng() < 0.05 ? { ...c, auth: false, label: `${c.label} (no API key)` } : c);
    }
  }
  const unsigned = [
    '{}',
    '{"event":"transaction.updated","data":{},"signature":{"checksum":"x","properties":[]},"timestamp":1}',
    '{"__proto__":{"x":1}}',
    '{"constructor":1}',
    '[]',
    'null',
    '{',
    big(100),
    deepArray(40),
    '{"event":"__proto__","data":{"transaction":{}},"signature":{"checksum":"","properties":["__proto__"]},"timestamp":"x","environment":"test"}',
  ];
  for (const [i, body] of unsigned.entries()) {
    cases.push({
      label: `POST ${webhookPath}: malformed/unsigned #${i}`,
      method: 'POST',
      path: webhookPath,
      headers: { 'content-type': pick(rng, ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) },
      body,
      auth: false,
    });
  }
  return cases;
}
