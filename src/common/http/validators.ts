import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments } from 'class-validator';

/** Custom class-validator decorators shared by the request DTOs. */

/** https anywhere; plain http only for a local host (development). No credentials in URLs. */
export function isAcceptableRedirectUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname.length > 0;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function decorator(
  name: string,
  validate: (value: unknown, args: ValidationArguments) => boolean,
  message: (args: ValidationArguments) => string,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: { validate, defaultMessage: message },
    });
}

export function IsRedirectUrl(): PropertyDecorator {
  return decorator(
    'isRedirectUrl',
    isAcceptableRedirectUrl,
    (a) => `${a.property} must be an https URL (http only for localhost), at most 2048 characters, without credentials`,
  );
}

export function MaxJsonBytes(max: number): PropertyDecorator {
  return decorator(
    'maxJsonBytes',
    (v) => Buffer.byteLength(JSON.stringify(v ?? null), 'utf8') <= max,
    (a) => `${a.property} must be at most ${max} bytes as JSON`,
  );
}

/** Refuses a field sent together with another one ("exactly one of"). */
export function NotWith(other: string): PropertyDecorator {
  return decorator(
    'notWith',
    (_, a) => (a.object as Record<string, unknown>)[other] === undefined,
    (a) => `send either ${a.property} or ${other}, not both`,
  );
}

/** Only meaningful together with another field. */
export function OnlyWith(other: string, why = ''): PropertyDecorator {
  return decorator(
    'onlyWith',
    (_, a) => (a.object as Record<string, unknown>)[other] !== undefined,
    (a) => `${a.property} is only accepted with ${other}${why ? ` (${why})` : ''}`,
  );
}

/*
 * Strict shapes for caller input that reaches Postgres or a lookup. What `Number()` or
 * `new Date()` would accept is not enough: `1e2`, `0x10` and `" 5"` are numbers to JavaScript,
 * `2026-W01` passes ISO 8601 checks but is no Date, and `2026-13-01` is a Date to nobody but
 * reaches Postgres as text. Each rule answers a 400 naming the field instead.
 */

/** Postgres `bigint` (ids of bigint columns) and `integer` upper bounds. */
export const PG_BIGINT_MAX = 9_223_372_036_854_775_807n;
export const PG_INT_MAX = 2_147_483_647;

/** A decimal bigint id as text: digits only, no sign or leading zero, 1..2^63-1. */
export function isBigintId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= PG_BIGINT_MAX;
}

const DATE_PART = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

/** A real calendar day of year 0001–9999 (the years both JavaScript and Postgres read alike). */
function isCalendarDay(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

/**
 * `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS[.ffffff]]` with an optional `Z` or `±HH:MM` offset
 * (at most ±14:00): a real calendar day and clock time, which Postgres `timestamptz` and
 * `new Date()` both read as the same instant. Week dates, ordinal dates, the basic format
 * (`20260101T000000Z`), expanded years and 24:00 are refused.
 */
export function isStrictInstant(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 35) return false;
  const m = INSTANT.exec(value);
  if (!m) return false;
  const [, y, mo, d, hh, mi, ss, , zone, oh, om] = m;
  if (!isCalendarDay(Number(y), Number(mo), Number(d))) return false;
  if (hh !== undefined && (Number(hh) > 23 || Number(mi) > 59 || (ss !== undefined && Number(ss) > 59))) return false;
  if (
    zone !== undefined &&
    zone !== 'Z' &&
    (Number(oh) > 14 || Number(om) > 59 || (Number(oh) === 14 && Number(om) > 0))
  )
    return false;
  return !Number.isNaN(new Date(value).getTime());
}

/** `YYYY-MM-DD`: a real calendar day (year 0001–9999). */
export function isStrictDate(value: unknown): value is string {
  const m = typeof value === 'string' ? DATE_PART.exec(value) : null;
  return !!m && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function IsStrictInstant(): PropertyDecorator {
  return decorator(
    'isStrictInstant',
    isStrictInstant,
    (a) =>
      `${a.property} must be a date (YYYY-MM-DD) or an ISO 8601 instant such as 2026-03-01T00:00:00Z (a real calendar day and time, years 0001–9999)`,
  );
}

/** For DTO properties holding a bigint id as text (e.g. a path `:id`). */
export function IsBigintId(): PropertyDecorator {
  return decorator(
    'isBigintId',
    isBigintId,
    (a) => `${a.property} must be a positive integer id (digits only, at most 9223372036854775807)`,
  );
}

/**
 * An integer query parameter: only `^[0-9]+$` (no sign, exponent, hex, blank or decimal
 * point), within [min, max]. Anything else — a repeated parameter (an array) too — stays as
 * sent and is refused by name, instead of `Number()` making `1e2` 100 or `0x10` 16.
 */
export function QueryInt(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value,
    ),
    decorator(
      'queryInt',
      (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max,
      (a) => `${a.property} must be an integer from ${min} to ${max}, digits only`,
    ),
  );
}
