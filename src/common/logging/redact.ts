/**
 * Log scrubbing: no secret, card number or buyer personal data reaches a log line.
 * Applied to every log object (pino formatter) and message, whatever the caller passed.
 *
 * Bounded and linear, because a log line is written on the request's thread: a hostile body
 * must not buy seconds of CPU. Every string is cut to MAX_STRING_CHARS before any pattern runs,
 * every pattern is linear in its input (no start position rescans a run another one already
 * scanned), and the walk of an object stops at MAX_DEPTH / MAX_KEYS / MAX_ITEMS / MAX_NODES /
 * MAX_TOTAL_CHARS, writing a marker where it stopped.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Stream } from 'node:stream';

const SECRET_PATTERN =
  /\b(?:pub|prv)_(?:test|prod|stagtest)_[A-Za-z0-9]+|\b(?:test|prod|stagtest)_(?:events|integrity)_[A-Za-z0-9]+/g;
// Wompi token ids (card, Nequi, Daviplata): a card token charges the card, and they appear
// inside other strings too (a nequi_token.updated event's key embeds its token id)
const TOKEN_ID_PATTERN = /\b(?:tok|nequi|daviplata)_(?:test|prod|stagtest)_[A-Za-z0-9_-]+/g;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
// starts only where a run of its first class starts: "eyJ-eyJ-eyJ-…" would otherwise rescan
// the whole run from every "eyJ" (quadratic)
const JWT_PATTERN = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
// 13–19 digits, optionally separated by spaces or dashes, standing alone (so Wompi ids such
// as 15113-1755396264-52249 are left alone); redacted when they pass Luhn. Linear: a start
// needs no digit or dash before it, and a match is at most 37 characters long.
const PAN_PATTERN = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

export const REDACTED = '[REDACTED]';
export const MAX_STRING_CHARS = 4096;
export const MAX_DEPTH = 8;
export const MAX_KEYS = 100;
export const MAX_ITEMS = 50;
export const MAX_NODES = 2000;
export const MAX_TOTAL_CHARS = 64 * 1024;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

// character classes as code-unit tables: a regex test per character is ten times slower
const LETTER = new Uint8Array(128);
const DOMAIN = new Uint8Array(128);
const LOCAL = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  LETTER[c] = /[A-Za-z]/.test(ch) ? 1 : 0;
  DOMAIN[c] = /[A-Za-z0-9.-]/.test(ch) ? 1 : 0;
  LOCAL[c] = /[A-Za-z0-9._%+-]/.test(ch) ? 1 : 0;
}
const is = (table: Uint8Array, s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c < 128 && table[c] === 1;
};

/**
 * Emails (`local@domain.tld`), found by hand rather than by a regex: the obvious pattern
 * rescans a long run of local-part characters from every start position (a 40 KB word took
 * 1.5 s). Here every character is looked at a bounded number of times: the runs around two
 * different '@' are disjoint, since '@' belongs to neither class. A domain is redacted up to
 * its last `.tld` (two letters or more), which covers at least what the regex matched.
 */
function redactEmails(s: string): string {
  let at = s.indexOf('@');
  if (at < 0) return s;
  let out = '';
  let copied = 0;
  while (at >= 0) {
    let start = at;
    while (start > copied && is(LOCAL, s, start - 1)) start--;
    let end = at + 1;
    let emailEnd = -1;
    while (end < s.length && is(DOMAIN, s, end)) {
      if (s.charCodeAt(end) === 46 /* . */ && end > at + 1) {
        let k = end + 1;
        while (k < s.length && is(LETTER, s, k)) k++;
        if (k - end - 1 >= 2) emailEnd = k;
        end = k;
      } else end++;
    }
    if (start < at && emailEnd > 0) {
      out += s.slice(copied, start) + REDACTED;
      copied = emailEnd;
    }
    at = s.indexOf('@', Math.max(end, at + 1));
  }
  return out + s.slice(copied);
}

/** The patterns over the whole string, uncut: linear in its length. */
export function redactPatterns(s: string): string {
  return redactEmails(
    s
      .replace(BEARER_PATTERN, 'Bearer ' + REDACTED)
      .replace(SECRET_PATTERN, REDACTED)
      .replace(TOKEN_ID_PATTERN, REDACTED)
      .replace(JWT_PATTERN, REDACTED),
  ).replace(PAN_PATTERN, (m) => (luhn(m.replace(/[ -]/g, '')) ? REDACTED : m));
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigitOrSeparator = (c: string) => (c >= '0' && c <= '9') || c === ' ' || c === '-';

/**
 * A string cut to `max` characters, with a marker. The cut can split a secret, an email or a
 * card number so that its head no longer matches any pattern: the last partial word is
 * dropped, then any trailing digits/spaces/dashes (the head of a spaced card number).
 */
function cut(s: string, max: number): string {
  let end = max;
  while (end > 0 && !isSpace(s[end - 1])) end--;
  while (end > 0 && isDigitOrSeparator(s[end - 1])) end--;
  return `${s.slice(0, end)}…[truncated ${s.length - end} chars]`;
}

export function scrubString(s: string, max = MAX_STRING_CHARS): string {
  return s.length > max ? redactPatterns(cut(s, max)) : redactPatterns(s);
}

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

interface Budget {
  nodes: number;
  chars: number;
}

const TRUNCATED = '[truncated]';

function walk(value: unknown, depth: number, seen: WeakSet<object>, budget: Budget): unknown {
  if (typeof value === 'string') {
    if (budget.chars <= 0) return TRUNCATED;
    const out = scrubString(value, Math.min(MAX_STRING_CHARS, budget.chars));
    budget.chars -= Math.min(value.length, MAX_STRING_CHARS);
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[depth]';
  if (--budget.nodes < 0) return TRUNCATED;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      type: value.name,
      message: walk(value.message, depth + 1, seen, budget),
      stack: value.stack ? walk(value.stack, depth + 1, seen, budget) : undefined,
    };
  }
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  // a raw request/response drags its socket, server and parsed body along: never walked
  if (value instanceof IncomingMessage)
    return { method: value.method, path: scrubString(String(value.url).split('?')[0], 256) };
  if (value instanceof ServerResponse) return { status: value.statusCode };
  if (value instanceof Stream) return '[stream]';
  if (Array.isArray(value)) {
    const n = Math.min(value.length, MAX_ITEMS);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(walk(value[i], depth + 1, seen, budget));
    if (value.length > n) out.push(`[${value.length - n} more items]`);
    return out;
  }
  const out: Record<string, unknown> = {};
  let keys = 0;
  let more = 0;
  // for…in stops early: Object.entries would first copy every key of a 10,000-key object
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (keys >= MAX_KEYS) {
      more++;
      if (more >= MAX_KEYS) break;
      continue;
    }
    keys++;
    const v = (value as Record<string, unknown>)[k];
    const key = scrubString(k, 256);
    out[key] =
      SENSITIVE_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined && v !== ''
        ? REDACTED
        : walk(v, depth + 1, seen, budget);
  }
  if (more) out['[truncated]'] = more >= MAX_KEYS ? `${more}+ more keys` : `${more} more keys`;
  return out;
}

/**
 * A scrubbed copy of anything, bounded: at most MAX_DEPTH levels, MAX_KEYS keys per object,
 * MAX_ITEMS items per array, MAX_NODES objects and MAX_TOTAL_CHARS characters of strings in all.
 */
export function scrub(value: unknown): unknown {
  return walk(value, 0, new WeakSet<object>(), { nodes: MAX_NODES, chars: MAX_TOTAL_CHARS });
}
