/**
 * Wompi's error bodies (docs/wompi.md#errors) → our typed errors. Pure functions, unit-tested
 * one mapping at a time. 5xx and 429 are not mapped here: they are transient and go through
 * the retry / breaker logic of the adapter first.
 */
import { DomainError } from '../common/errors/domain-error';
import {
  GatewayAuthError,
  GatewayBadResponse,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayValidationError,
} from './wompi.errors';

const KEY_PATTERNS = [
  /\b(?:pub|prv)_(?:test|prod|stagtest)_[A-Za-z0-9]+/g,
  /\b(?:test|prod|stagtest)_(?:events|integrity)_[A-Za-z0-9]+/g,
];

/**
 * Removes anything that looks like a Wompi key or secret, and the given secrets verbatim.
 * Wompi has been seen echoing the key it received in a 401 reason (docs/wompi.md#environments-and-keys).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[REDACTED]');
  for (const p of KEY_PATTERNS) out = out.replace(p, '[REDACTED]');
  // "…no corresponde a este ambiente, se recibió: <whatever we sent>"
  return out.replace(/(se recibi[oó]:\s*).*$/i, '$1[REDACTED]');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `{"field":["…"], "payment_method":{"messages":{"user_legal_id_type":["…"]}}}` →
 * `{"field":["…"], "payment_method.user_legal_id_type":["…"]}`.
 */
export function flattenMessages(messages: unknown, prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!isObj(messages)) return out;
  for (const [key, value] of Object.entries(messages)) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      const texts = value.filter((m): m is string => typeof m === 'string');
      if (texts.length) out[field] = texts;
    } else if (typeof value === 'string') {
      out[field] = [value];
    } else if (isObj(value)) {
      Object.assign(out, flattenMessages(isObj(value.messages) ? value.messages : value, field));
    }
  }
  return out;
}

/**
 * Maps a non-2xx, non-5xx, non-429 Wompi answer to a typed error.
 * `what` names the missing entity for 404s (never a key).
 */
export function mapWompiError(
  status: number,
  bodyText: string,
  what: string,
  secrets: readonly string[] = [],
): DomainError {
  const body = parseJson(bodyText);
  const error = isObj(body) && isObj(body.error) ? body.error : undefined;
  const type = typeof error?.type === 'string' ? error.type : undefined;
  const reason = typeof error?.reason === 'string' ? redactSecrets(error.reason, secrets) : undefined;

  if (status === 401 || status === 403) {
    return new GatewayAuthError(status, reason ?? (type ? redactSecrets(type, secrets) : 'no reason given'));
  }
  // NOT_FOUND_ERROR, NOT_FOUND/MERCHANT_NOT_FOUND, the API gateway's {"message":"Not Found"},
  // or no body at all: all say "not there". 410 is a route that was switched off.
  if (status === 404 || status === 410) return new GatewayNotFound(what);

  if (type === 'INPUT_VALIDATION_ERROR') {
    const fields = flattenMessages(error?.messages);
    if (Object.keys(fields).length > 0) {
      for (const k of Object.keys(fields)) fields[k] = fields[k].map((m) => redactSecrets(m, secrets));
      return new GatewayValidationError(fields);
    }
    // a refusal worded as one `reason` instead of field messages is still a definite refusal
    if (reason !== undefined && status >= 400 && status < 500) return new GatewayBusinessRejection(reason);
    return new GatewayBadResponse(`Wompi answered ${status} INPUT_VALIDATION_ERROR without field messages`);
  }
  if (reason !== undefined && status >= 400 && status < 500) return new GatewayBusinessRejection(reason);
  return new GatewayBadResponse(
    `Wompi answered ${status} with ${body === undefined ? 'an unparseable body' : 'an unexpected error shape'}`,
  );
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date); undefined when absent or garbage. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
