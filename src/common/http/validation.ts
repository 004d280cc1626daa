import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain-error';

/** Flattens class-validator errors to `{ "payment_method.phone_number": ["…"] }`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      out[path] = Object.entries(e.constraints).map(([rule, msg]) =>
        rule === 'whitelistValidation' ? `${path} is not an accepted field` : msg,
      );
    }
    if (e.children?.length) Object.assign(out, flattenValidationErrors(e.children, path));
  }
  return out;
}

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
  const out: Record<string, string[]> = {};
  for (const field of tooDeep) out[field] = [`must not be nested deeper than ${max} levels`];
  return out;
}

/**
 * Input that parses as JSON but that no field may hold: NUL characters and unpaired surrogates
 * (in values or keys), and nesting deeper than MAX_JSON_DEPTH (jsonDepthErrors). Returns the
 * fields at fault — a bad key is reported on its parent, so no path ever carries the bad
 * characters.
 */
export function screenJson(value: unknown): Record<string, string[]> {
  const out = jsonDepthErrors(value);
  // too deep: say so and stop; below, the recursion is bounded by MAX_JSON_DEPTH
  if (Object.keys(out).length) return out;
  const add = (path: string, msg: string) => (out[path || 'body'] ??= []).push(msg);
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) add(path, 'must not contain NUL characters or invalid Unicode');
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (UNSTORABLE.test(k)) {
        add(path, 'must not have keys with NUL characters or invalid Unicode');
        continue;
      }
      walk(child, path ? `${path}.${k}` : k);
    }
  };
  walk(value, '');
  return out;
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
