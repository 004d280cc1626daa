import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AmqpEventBus } from './amqp-event-bus';
import { EventBus } from './event-bus.port';
import { LogEventBus } from './log-event-bus';
import { OutboxSignal } from './outbox-signal';
import { OutboxWriter } from './outbox-writer';

class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/** Provides the EventBus port (RabbitMQ when AMQP_URL is set, else the log), the outbox writer and the relay's wake-up signal. */
@Global()
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [AppConfig],
      useFactory: (c: AppConfig) =>
        c.busDriver === 'amqp' && c.amqpUrl
          ? new AmqpEventBus(c.amqpUrl, c.amqpExchange, { publishTimeoutMs: c.outbox.publishTimeoutMs })
          : new LogEventBus(),
    },
    BusCloser,
    OutboxWriter,
    OutboxSignal,
  ],
  exports: [EventBus, OutboxWriter, OutboxSignal],
})
export class MessagingModule {}
