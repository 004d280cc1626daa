/**
 * The Wompi event envelope (docs/wompi.md#events-and-the-checksum): shape checks and the stable event key. Pure, so the
 * rules are unit-tested without HTTP or a database.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/idempotency/request-hash';

export const KNOWN_EVENT_TYPES = [
  'transaction.updated',
  'nequi_token.updated',
  'bancolombia_transfer_token.updated',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

export function isKnownEventType(event: string): event is KnownEventType {
  return (KNOWN_EVENT_TYPES as readonly string[]).includes(event);
}

/** Column widths of webhook_inbox (event_type varchar(64), environment varchar(16), event_key varchar(200)). */
const MAX_EVENT_TYPE = 64;
const MAX_ENVIRONMENT = 16;
const MAX_EVENT_KEY = 200;

export interface EventEnvelope {
  event: string;
  data: Record<string, unknown>;
  environment: string;
  timestamp: number;
  /** from `signature.checksum`, else the `X-Event-Checksum` header */
  checksum: string;
  properties: string[];
  sentAt: Date | null;
}

export type EnvelopeResult = { ok: true; envelope: EventEnvelope } | { ok: false; errors: Record<string, string[]> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the fields the ingress relies on and names every missing or wrong one. Only the
 * shape: whether the checksum is right is `verifyEventChecksum`'s job.
 */
export function parseEnvelope(body: unknown, headerChecksum: string | undefined): EnvelopeResult {
  if (!isObject(body)) return { ok: false, errors: { body: ['the body must be a JSON object'] } };
  const errors: Record<string, string[]> = {};
  const fail = (field: string, message: string) => (errors[field] ??= []).push(message);

  const { event, data, environment, timestamp, signature } = body;
  if (typeof event !== 'string' || event.length === 0) fail('event', 'event must be a non-empty string');
  else if (event.length > MAX_EVENT_TYPE) fail('event', `event must be at most ${MAX_EVENT_TYPE} characters`);
  if (!isObject(data)) fail('data', 'data must be an object');
  if (typeof environment !== 'string' || environment.length === 0)
    fail('environment', 'environment must be a non-empty string');
  else if (environment.length > MAX_ENVIRONMENT)
    fail('environment', `environment must be at most ${MAX_ENVIRONMENT} characters`);
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0)
    fail('timestamp', 'timestamp must be a non-negative integer (Unix seconds)');

  let properties: string[] = [];
  let bodyChecksum: unknown;
  if (!isObject(signature)) {
    fail('signature', 'signature must be an object');
  } else {
    bodyChecksum = signature.checksum;
    const p = signature.properties;
    if (!Array.isArray(p) || p.length === 0 || p.some((x) => typeof x !== 'string' || x.length === 0)) {
      fail('signature.properties', 'signature.properties must be a non-empty array of strings');
    } else {
      properties = p as string[];
    }
    if (bodyChecksum !== undefined && bodyChecksum !== null && typeof bodyChecksum !== 'string')
      fail('signature.checksum', 'signature.checksum must be a string');
  }
  const header =
    typeof headerChecksum === 'string' && headerChecksum.trim().length > 0 ? headerChecksum.trim() : undefined;
  const checksum = typeof bodyChecksum === 'string' && bodyChecksum.length > 0 ? bodyChecksum : header;
  if (checksum === undefined && !errors['signature.checksum'])
    fail('signature.checksum', 'a checksum is required in signature.checksum or the X-Event-Checksum header');

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    envelope: {
      event: event as string,
      data: data as Record<string, unknown>,
      environment: environment as string,
      timestamp: timestamp as number,
      checksum: (checksum as string).trim().toLowerCase(),
      properties,
      sentAt: parseSentAt(body.sent_at),
    },
  };
}

/** `sent_at` is informative only (the checksum covers `timestamp`): unparseable means null. */
function parseSentAt(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export type EventKeyResult = { ok: true; key: string } | { ok: false; errors: Record<string, string[]> };

/**
 * The inbox's dedupe key. Wompi may or may not change `timestamp`/`checksum` on a redelivery
 * (docs/wompi.md#uncertain-points-and-our-choices), so the key is built from what the event is about: one row per transaction
 * (or Nequi token) and status; other types hash their canonical data.
 */
export function eventKeyOf(envelope: Pick<EventEnvelope, 'event' | 'data'>): EventKeyResult {
  const subject =
    envelope.event === 'transaction.updated'
      ? 'transaction'
      : envelope.event === 'nequi_token.updated'
        ? 'nequi_token'
        : undefined;
  if (!subject) return { ok: true, key: `${envelope.event}:${sha256(canonicalJson(envelope.data))}` };

  const node = envelope.data[subject];
  const errors: Record<string, string[]> = {};
  if (!isObject(node)) {
    errors[`data.${subject}`] = [`data.${subject} must be an object`];
    return { ok: false, errors };
  }
  const id = node.id;
  const status = node.status;
  if (!((typeof id === 'string' && id.length > 0) || (typeof id === 'number' && Number.isFinite(id))))
    errors[`data.${subject}.id`] = [`data.${subject}.id must be a string or number`];
  if (typeof status !== 'string' || status.length === 0)
    errors[`data.${subject}.status`] = [`data.${subject}.status must be a non-empty string`];
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const key = `${envelope.event}:${String(id)}:${String(status)}`;
  // an absurdly long id still gets a stable key that fits the column
  return {
    ok: true,
    key: key.length <= MAX_EVENT_KEY ? key : `${envelope.event}:${sha256(`${String(id)}:${String(status)}`)}`,
  };
}
