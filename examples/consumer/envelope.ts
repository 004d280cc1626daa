/**
 * The envelope check and the per-payment ordering rule of the sample consumer.
 *
 * What the service publishes (docs/asyncapi.yaml, src/messaging/outbox-writer.ts):
 * a CloudEvents 1.0 event in structured mode (the AMQP body is the whole event as JSON),
 * AMQP `message-id` = CloudEvent `id`, routing key = `type`, `data` = the whole payment as
 * `GET /v1/transactions/{id}` shows it at the moment of the change (a snapshot, not a delta).
 * The CloudEvent id is derived from (payment, status): a redelivery carries the same id.
 */

/** The payment events this consumer binds to (routing key = CloudEvent type). */
export const PAYMENT_EVENT_TYPES = [
  'transaction.approved',
  'transaction.declined',
  'transaction.error',
  'transaction.expired',
  'transaction.voided',
  'checkout_session.expired',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

/** The part of the event this consumer relies on. Everything else in `data` is ignored. */
export interface PaymentEvent {
  id: string;
  type: PaymentEventType;
  /** the caller's payment reference */
  subject: string;
  time: string;
  data: {
    /** the payment id: the ordering key */
    id: string;
    reference: string;
    status: string;
    amount_in_cents: number;
  };
}

/**
 * The per-payment version of an event: the service publishes no sequence number, so the
 * version is the position of the event's status in the payment lifecycle. The service's
 * state machine (src/transactions/state-machine.ts) only ever moves a payment forward
 * through these ranks — a failure or give-up (DECLINED, ERROR, EXPIRED) can still become
 * APPROVED (a buyer retry, a late payment), APPROVED can become VOIDED, nothing goes back —
 * and it publishes at most one event per (payment, status). So for one payment a higher rank
 * is always the newer event, two different events never share a rank, and since `data` is a
 * full snapshot, applying the newest one is enough: an older event arriving late is stale.
 *
 * If the service ever publishes a real per-payment sequence (e.g. the payment's `version`),
 * return it here and nothing else changes.
 */
export const RANK_BY_STATUS: Readonly<Record<string, number>> = {
  DECLINED: 1,
  ERROR: 1,
  EXPIRED: 1,
  APPROVED: 2,
  VOIDED: 3,
};

/** The status each event type announces (a mismatch is a malformed event). */
const STATUS_BY_TYPE: Readonly<Record<PaymentEventType, string>> = {
  'transaction.approved': 'APPROVED',
  'transaction.declined': 'DECLINED',
  'transaction.error': 'ERROR',
  'transaction.expired': 'EXPIRED',
  'transaction.voided': 'VOIDED',
  'checkout_session.expired': 'EXPIRED',
};

export function versionOf(event: PaymentEvent): number {
  return RANK_BY_STATUS[event.data.status];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Parsed = { ok: true; event: PaymentEvent } | { ok: false; reason: string };

/**
 * Parses and checks one AMQP message body. A message that fails here will fail the same way
 * on every redelivery — it is poison: the caller dead-letters it at once instead of retrying.
 */
export function parseEnvelope(body: Buffer, messageId: string | undefined): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const e = raw as Record<string, unknown>;
  if (e.specversion !== '1.0') return { ok: false, reason: `specversion ${String(e.specversion)} is not 1.0` };
  if (typeof e.id !== 'string' || !UUID.test(e.id)) return { ok: false, reason: 'id is not a UUID' };
  // the message-id is the CloudEvent id (AmqpEventBus); a different one means someone else's message
  if (messageId !== undefined && messageId !== e.id) return { ok: false, reason: 'message-id differs from id' };
  if (typeof e.type !== 'string' || !(PAYMENT_EVENT_TYPES as readonly string[]).includes(e.type))
    return { ok: false, reason: `type ${String(e.type)} is not a payment event` };
  const type = e.type as PaymentEventType;
  if (typeof e.subject !== 'string' || typeof e.time !== 'string')
    return { ok: false, reason: 'subject or time missing' };
  const d = e.data as Record<string, unknown> | null | undefined;
  if (typeof d !== 'object' || d === null) return { ok: false, reason: 'data is not an object' };
  if (typeof d.id !== 'string' || !UUID.test(d.id)) return { ok: false, reason: 'data.id is not a UUID' };
  if (d.status !== STATUS_BY_TYPE[type]) return { ok: false, reason: `data.status ${String(d.status)} for ${type}` };
  if (typeof d.reference !== 'string') return { ok: false, reason: 'data.reference missing' };
  if (typeof d.amount_in_cents !== 'number' || !Number.isSafeInteger(d.amount_in_cents))
    return { ok: false, reason: 'data.amount_in_cents is not an integer' };
  return {
    ok: true,
    event: {
      id: e.id,
      type,
      subject: e.subject,
      time: e.time,
      data: { id: d.id, reference: d.reference, status: d.status, amount_in_cents: d.amount_in_cents },
    },
  };
}
