/**
 * Wompi's two signatures (docs/wompi.md#integrity-signature, #events-and-the-checksum), in one place so the adapter, the checkout
 * sessions, the webhook ingress and the sandbox all agree on them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface IntegrityInput {
  reference: string;
  amountInCents: number;
  currency: string;
  /** ISO-8601 UTC; when the payment carries one it enters the hash */
  expirationTime?: string | null;
}

/**
 * Integrity signature: SHA-256, lowercase hex, of
 * `reference + amount_in_cents + currency [+ expiration_time] + integrity_secret`
 * (no separators, amount as a plain integer).
 */
export function integritySignature(input: IntegrityInput, secret: string): string {
  if (!Number.isSafeInteger(input.amountInCents)) {
    // a float would render as "1.5e+21" or "100.5" and silently sign something else
    throw new TypeError('amountInCents must be an integer');
  }
  const expiration = input.expirationTime ?? '';
  return sha256Hex(`${input.reference}${input.amountInCents}${input.currency}${expiration}${secret}`);
}

/** The parts of an event the checksum covers. */
export interface ChecksummedEvent {
  data: unknown;
  signature?: { properties?: unknown; checksum?: unknown } | null;
  timestamp: unknown;
}

/** Renders one property value the way Wompi concatenates it (integers plain, null empty). */
function renderValue(value: unknown, path: string): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new Error(`event property ${path} is missing or not a scalar`);
}

/** Reads a dotted path (`transaction.id`) inside `data`. */
function resolveProperty(data: unknown, path: string): unknown {
  let node: unknown = data;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part))
      return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The string that is hashed: the values of `signature.properties` inside `data`, in order, then `timestamp`, then the secret. */
export function eventChecksumPreimage(event: ChecksummedEvent, secret: string): string {
  const properties = event.signature?.properties;
  if (!Array.isArray(properties) || properties.some((p) => typeof p !== 'string')) {
    throw new Error('event signature.properties must be a list of strings');
  }
  if (typeof event.timestamp !== 'number' && typeof event.timestamp !== 'string') {
    throw new Error('event timestamp is missing');
  }
  const values = (properties as string[]).map((p) => renderValue(resolveProperty(event.data, p), p));
  return `${values.join('')}${event.timestamp}${secret}`;
}

/** SHA-256 lowercase hex of the pre-image; throws when the event lacks a listed property. */
export function computeEventChecksum(event: ChecksummedEvent, secret: string): string {
  return sha256Hex(eventChecksumPreimage(event, secret));
}

export interface ChecksumVerification {
  valid: boolean;
  /** which of the secrets matched (rotation: 0 is the current one) */
  secretIndex?: number;
}

const HEX_64 = /^[0-9a-f]{64}$/;

/** Constant-time comparison of two lowercase hex digests of equal, known length. */
function sameDigest(expectedHex: string, givenHex: string): boolean {
  const a = Buffer.from(expectedHex, 'utf8');
  const b = Buffer.from(givenHex, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies a Wompi event. The checksum comes from `signature.checksum`, or from the
 * `X-Event-Checksum` header when the body has none. Comparison is case-insensitive (the docs
 * print uppercase, real events are lowercase) and constant-time; every secret in `secrets`
 * is tried, so a rotation can accept old and new at once.
 */
export function verifyEventChecksum(
  event: ChecksummedEvent,
  headerChecksum: string | undefined,
  secrets: readonly string[],
): ChecksumVerification {
  const bodyChecksum = event?.signature?.checksum;
  const given = typeof bodyChecksum === 'string' && bodyChecksum.length > 0 ? bodyChecksum : headerChecksum;
  if (typeof given !== 'string') return { valid: false };
  const normalised = given.trim().toLowerCase();
  if (!HEX_64.test(normalised)) return { valid: false };

  let matched: number | undefined;
  for (let i = 0; i < secrets.length; i++) {
    let expected: string;
    try {
      expected = computeEventChecksum(event, secrets[i]);
    } catch {
      return { valid: false };
    }
    // keep looping after a match: the time taken does not reveal which secret matched
    if (sameDigest(expected, normalised) && matched === undefined) matched = i;
  }
  return matched === undefined ? { valid: false } : { valid: true, secretIndex: matched };
}
