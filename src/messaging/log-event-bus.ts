import { Logger } from '@nestjs/common';
import { REDACTED, scrub } from '../common/logging/redact';
import { BusMessage, EventBus } from './event-bus.port';

/** Where the log bus writes: Nest's `Logger` (pino, with its own scrubbing, in the app) unless a test passes its own. */
export interface EventLogSink {
  log(fields: Record<string, unknown>, message: string): void;
}

/**
 * Personal fields `scrub` does not know by name (it masks `full_name`, `phone_number`,
 * `legal_id`, emails… but not a bare `name`): any key naming a person's name, phone, email,
 * legal id or address, as a caller's `metadata` may hold them (`buyer_name`, `last_name`,
 * `customer_phone`…). Applied inside `data` only, so the envelope's own fields stay readable.
 */
const PERSONAL_KEY =
  /(?:^|_)(?:name|names|first_name|last_name|surname|surnames|phone|mobile|cellphone|email|legal_id|document|address)(?:$|_)/i;

function maskPersonalKeys(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => maskPersonalKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] =
      PERSONAL_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : maskPersonalKeys(v, depth + 1);
  }
  return out;
}

/**
 * The CloudEvent of a bus message as it may be logged: the whole envelope exactly as it would
 * be published, its `data` passed through the project's log redaction (`scrub`) plus the
 * personal-key mask above, so the shape is visible and no buyer personal data is.
 */
export function loggableEnvelope(m: BusMessage): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(m.body.toString('utf8'));
  } catch {
    return { unparseable_body_bytes: m.body.length };
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    return { unparseable_body_bytes: m.body.length };
  const envelope = { ...(event as Record<string, unknown>) };
  if ('data' in envelope) envelope.data = maskPersonalKeys(envelope.data);
  return scrub(envelope) as Record<string, unknown>;
}

/**
 * `npm run dev` (`BUS_DRIVER=log`): outbound events are written to the log instead of a
 * broker — one line per event with the routing key, the message id and the full CloudEvents
 * 1.0 envelope consumers would get (`specversion`, `id`, `source`, `type`, `subject`, `time`,
 * `datacontenttype`, `data` with the caller's `metadata`), buyer personal data masked.
 */
export class LogEventBus extends EventBus {
  readonly driver = 'log' as const;
  constructor(private readonly logger: EventLogSink = new Logger('Events')) {
    super();
  }

  async publish(messages: BusMessage[]): Promise<void> {
    for (const m of messages) {
      this.logger.log(
        { routing_key: m.routingKey, message_id: m.id, content_type: m.contentType, cloudevent: loggableEnvelope(m) },
        'domain event published (log bus)',
      );
    }
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
