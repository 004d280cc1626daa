import type { BusDriver } from '../config/app-config';
/** A message for the bus: one CloudEvent, already serialised. */
export interface BusMessage {
  /** CloudEvent id; also the AMQP message-id, so consumers can dedupe */
  id: string;
  routingKey: string;
  contentType: string;
  body: Buffer;
}

/**
 * The broker cannot be reached (disconnected, or no confirm in time). An outage, not the
 * message's fault: the outbox keeps retrying such rows and never parks them as DEAD for it.
 */
export class BusUnavailable extends Error {
  readonly transient = true;
  constructor(message: string) {
    super(message);
    this.name = 'BusUnavailable';
  }
}

/** Whether a publish failure is an outage (retry forever) rather than a refusal (count it). */
export function isBusOutage(err: unknown): boolean {
  return (
    err instanceof BusUnavailable ||
    (typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true)
  );
}

/**
 * The outbound bus port (RabbitMQ in production, the log in `npm run dev`; NATS JetStream or
 * Kafka would be further adapters). `publish` resolves only once the broker confirmed every
 * message, so the outbox relay can mark rows sent; it rejects with `BusUnavailable` at once
 * when the broker is unreachable.
 */
export abstract class EventBus {
  /** Where messages go: `amqp` (RabbitMQ) or `log` (`npm run dev`); readiness names its entry after it. */
  abstract readonly driver: BusDriver;
  abstract publish(messages: BusMessage[]): Promise<void>;
  /** throws when the broker is unreachable (readiness) */
  abstract ping(timeoutMs: number): Promise<void>;
  abstract close(): Promise<void>;
}
