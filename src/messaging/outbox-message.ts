import { BusMessage } from './event-bus.port';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** What the relay needs of an outbox row to publish it. */
export interface PublishableRow {
  id: string;
  eventId: string;
  routingKey: string;
  payload: Record<string, unknown>;
}

/**
 * The AMQP message for an outbox row: CloudEvents structured mode (the whole event is the
 * body), `message-id` = the CloudEvent id so a redelivery dedupes, routing key = event type.
 */
export function toBusMessage(row: PublishableRow): BusMessage {
  const id = typeof row.payload.id === 'string' ? row.payload.id : row.eventId;
  if (id !== row.eventId)
    throw new Error(`outbox row ${row.id}: CloudEvent id ${id} differs from event_id ${row.eventId}`);
  return {
    id,
    routingKey: row.routingKey,
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    body: Buffer.from(JSON.stringify(row.payload), 'utf8'),
  };
}

/** Delay before retry number `attempts` (1-based): base * 2^(attempts-1), capped. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(attempts, 1) - 1, 30);
  return Math.min(maxMs, baseMs * 2 ** exp);
}

/** A short, log- and column-safe description of a publish failure. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
