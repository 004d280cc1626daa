import { Logger } from '@nestjs/common';
import { BusMessage, EventBus } from './event-bus.port';

/** `npm run dev`: outbound events are written to the log instead of a broker. */
export class LogEventBus extends EventBus {
  private readonly logger = new Logger('Events');

  async publish(messages: BusMessage[]): Promise<void> {
    for (const m of messages) {
      const event = JSON.parse(m.body.toString('utf8')) as { type: string; subject: string; id: string };
      this.logger.log({ event_id: m.id, type: event.type, subject: event.subject, routing_key: m.routingKey }, 'domain event published (log bus)');
    }
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
