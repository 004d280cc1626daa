import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain-error';

/**
 * Text that only a stringified function, object or failed number conversion produces. A
 * message built from a value looked up with caller input (`MAP[type]` finding
 * `Object.prototype.constructor`) would quote it; such a message is replaced, never sent.
 */
const IMPLEMENTATION_TEXT = /\[native code\]|\bfunction\b.*\(|\[object \w+\]|\bNaN\b|\bundefined\b/;

export function safeMessage(path: string, msg: string): string {
  return IMPLEMENTATION_TEXT.test(msg) ? `${path} is invalid` : msg;
}

/** Flattens class-validator errors to `{ "payment_method.phone_number": ["…"] }`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Record<string, string[]> {
  return fieldErrors(flattenInto(new Map(), errors, parent));
}

function flattenInto(out: Map<string, string[]>, errors: ValidationError[], parent: string): Map<string, string[]> {
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      out.set(
        path,
        Object.entries(e.constraints).map(([rule, msg]) =>
          rule === 'whitelistValidation' ? `${path} is not an accepted field` : safeMessage(path, msg),
        ),
      );
    }
    if (e.children?.length) flattenInto(out, e.children, path);
  }
  return out;
}

/**
 * field → messages as a plain object. Built from a Map with Object.fromEntries (own data
 * properties), never `out[field] = …`: a field path is caller text, and `__proto__` assigned
 * that way would swap the object's prototype instead of naming the field.
 */
export function fieldErrors(map: Map<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(map) as Record<string, string[]>;
}

/**
 * Most items in one array or fields in one object. No field of the API takes a list and
 * metadata is at most 8 KiB, so real requests are far below it; without it, a 64 KiB body of
 * 30,000 one-digit items costs class-transformer and class-validator hundreds of milliseconds
 * of event loop before being refused.
 */
export const MAX_JSON_CONTAINER_SIZE = 1000;

/** Deepest nesting of objects/arrays a request may have (the body itself is level 0). */
export const MAX_JSON_DEPTH = 32;
// NUL and unpaired UTF-16 surrogates: valid JSON escapes that Postgres text/jsonb refuses.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The one depth rule: every top-level field whose value nests objects/arrays deeper than
 * `max` levels (the value itself is level 0), as `{ field: ["must not be nested deeper …"] }`
 * (`body` when the value itself is too deep). Iterative with an explicit stack and never
 * looking below level max + 1, so no input — however deep — can overflow the call stack.
 * Applied to every parsed request body right after the JSON parser (src/app.factory.ts), so
 * guards, interceptors (the idempotency hash) and handlers never see deeper input.
 */
export function jsonDepthErrors(value: unknown, max = MAX_JSON_DEPTH): Record<string, string[]> {
  const tooDeep = new Set<string>();
  const stack: { v: unknown; depth: number; top: string }[] = [{ v: value, depth: 0, top: '' }];
  while (stack.length) {
    const { v, depth, top } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) {
      tooDeep.add(top || 'body');
      continue;
    }
    if (top && tooDeep.has(top)) continue;
    for (const [k, child] of Object.entries(v)) stack.push({ v: child, depth: depth + 1, top: top || k });
  }
  return fieldErrors(new Map([...tooDeep].map((field) => [field, [`must not be nested deeper than ${max} levels`]])));
}

/**
 * Keys that name JavaScript's object machinery. JSON.parse makes them plain own properties,
 * but the first `Object.assign`, class-transformer or `obj[key] = …` copy turns `__proto__`
 * into a prototype swap, and `constructor`/`toString` lookups find functions instead of data.
 * Refused anywhere in a body or query string, metadata included: no caller needs them, and
 * one rule everywhere is easier to trust than a list of places that copy safely.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const PROTOTYPE_KEY_MESSAGE = '__proto__, constructor and prototype are not accepted as field names';

/**
 * Input that parses as JSON but that no field may hold: NUL characters and unpaired surrogates
 * (in values or keys), prototype keys (PROTOTYPE_KEYS, reported on their own path) and nesting
 * deeper than MAX_JSON_DEPTH (jsonDepthErrors). Returns the fields at fault — a key with bad
 * characters is reported on its parent, so no path ever carries them.
 */
export function screenJson(value: unknown): Record<string, string[]> {
  const tooDeep = jsonDepthErrors(value);
  // too deep: say so and stop; below, the recursion is bounded by MAX_JSON_DEPTH
  if (Object.keys(tooDeep).length) return tooDeep;
  const out = new Map<string, string[]>();
  const add = (path: string, msg: string) => {
    const key = path || 'body';
    out.set(key, [...(out.get(key) ?? []), msg]);
  };
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) add(path, 'must not contain NUL characters or invalid Unicode');
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const size = Array.isArray(v) ? v.length : Object.keys(v).length;
    if (size > MAX_JSON_CONTAINER_SIZE) {
      add(path, `must have at most ${MAX_JSON_CONTAINER_SIZE} ${Array.isArray(v) ? 'items' : 'fields'}`);
      return;
    }
    for (const [k, child] of Object.entries(v)) {
      if (UNSTORABLE.test(k)) {
        add(path, 'must not have keys with NUL characters or invalid Unicode');
        continue;
      }
      const at = path ? `${path}.${k}` : k;
      if (PROTOTYPE_KEYS.has(k)) {
        add(at, PROTOTYPE_KEY_MESSAGE);
        continue;
      }
      walk(child, at);
    }
  };
  walk(value, '');
  return fieldErrors(out);
}

/** The class-validator pipe, after a screen of what it (and Postgres) cannot take. */
class ScreeningValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const errors = screenJson(value);
      if (Object.keys(errors).length) throw new ValidationFailed(errors);
    }
    return super.transform(value, metadata);
  }
}

/** Global pipe: unknown fields and wrong types are 400 with every field named. */
export function createValidationPipe(): ValidationPipe {
  return new ScreeningValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });
}
