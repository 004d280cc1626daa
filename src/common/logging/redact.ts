/**
 * Log scrubbing: no secret, card number or buyer personal data reaches a log line.
 * Applied to every log object (pino formatter) and message, whatever the caller passed.
 */
const SECRET_PATTERN = /\b(?:pub|prv)_(?:test|prod|stagtest)_[A-Za-z0-9]+|\b(?:test|prod|stagtest)_(?:events|integrity)_[A-Za-z0-9]+/g;
// Wompi token ids (card, Nequi, Daviplata): a card token charges the card, and they appear
// inside other strings too (a nequi_token.updated event's key embeds its token id)
const TOKEN_ID_PATTERN = /\b(?:tok|nequi|daviplata)_(?:test|prod|stagtest)_[A-Za-z0-9_-]+/g;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// 13–19 digits, optionally separated by spaces or dashes, standing alone (so Wompi ids such
// as 15113-1755396264-52249 are left alone); redacted when they pass Luhn
const PAN_PATTERN = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/** Field names whose values are always personal or secret, whatever they contain. */
const SENSITIVE_KEYS = new Set([
  'authorization',
  'cookie',
  'x-api-key',
  'password',
  'secret',
  'private_key',
  'privatekey',
  'public_key',
  'publickey',
  'integrity_secret',
  'events_secret',
  'eventssecrets',
  'integritysecret',
  'apikeys',
  'key',
  'token',
  'acceptance_token',
  'accept_personal_auth',
  'customer_email',
  'email',
  'phone_number',
  'phone',
  'legal_id',
  'user_legal_id',
  'full_name',
  'card_holder',
  'number',
  'cvc',
  'exp_month',
  'exp_year',
  'address_line_1',
  'address_line_2',
  'raw_body',
  'rawbody',
]);

export const REDACTED = '[REDACTED]';

export function scrubString(s: string): string {
  return s
    .replace(BEARER_PATTERN, 'Bearer ' + REDACTED)
    .replace(SECRET_PATTERN, REDACTED)
    .replace(TOKEN_ID_PATTERN, REDACTED)
    .replace(JWT_PATTERN, REDACTED)
    .replace(EMAIL_PATTERN, REDACTED)
    .replace(PAN_PATTERN, (m) => (luhn(m.replace(/[ -]/g, '')) ? REDACTED : m));
}

export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: scrubString(value.message), stack: value.stack ? scrubString(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SENSITIVE_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined && v !== '' ? REDACTED : scrub(v, depth + 1, seen);
  }
  return out;
}
