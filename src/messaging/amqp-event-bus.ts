import { Logger } from '@nestjs/common';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { BusMessage, BusUnavailable, EventBus } from './event-bus.port';

export interface AmqpEventBusOptions {
  /** how long a publish waits for the broker's confirm */
  publishTimeoutMs?: number;
  heartbeatSeconds?: number;
  reconnectSeconds?: number;
}

/**
 * RabbitMQ adapter: a durable topic exchange, persistent messages, publisher confirms.
 * amqp-connection-manager owns reconnection. While disconnected, `publish` fails at once
 * with `BusUnavailable` (the outbox keeps the rows and retries them) instead of letting the
 * wrapper buffer messages in memory, where a crash would forget they were ever sent.
 */
export class AmqpEventBus extends EventBus {
  readonly driver = 'amqp' as const;
  private readonly logger = new Logger('AmqpBus');
  private readonly connection: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;
  private readonly publishTimeoutMs: number;
  private channelReady = false;
  private lastDisconnectLog = 0;
  /** a connection attempt has failed or a connection was lost since boot */
  private everFailed = false;
  private firstConnect?: Promise<void>;

  constructor(
    url: string,
    private readonly exchange: string,
    opts: AmqpEventBusOptions = {},
  ) {
    super();
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 5000;
    this.connection = amqp.connect([url], {
      heartbeatIntervalInSeconds: opts.heartbeatSeconds ?? 10,
      reconnectTimeInSeconds: opts.reconnectSeconds ?? 1,
      connectionOptions: { timeout: 3000 },
    });
    this.connection.on('disconnect', ({ err }) => {
      this.channelReady = false;
      this.everFailed = true;
      // a broker that stays down would log every reconnect attempt: once a minute is enough
      if (Date.now() - this.lastDisconnectLog > 60_000) {
        this.lastDisconnectLog = Date.now();
        this.logger.warn({ err: err?.message }, 'RabbitMQ disconnected; outbox rows wait until it is back');
      }
    });
    this.connection.on('connectFailed', ({ err }) => {
      this.everFailed = true;
      if (Date.now() - this.lastDisconnectLog > 60_000) {
        this.lastDisconnectLog = Date.now();
        this.logger.warn({ err: err?.message }, 'RabbitMQ unreachable; outbox rows wait until it is back');
      }
    });
    this.connection.on('connect', () => this.logger.log({ exchange }, 'RabbitMQ connected'));
    this.channel = this.connection.createChannel({
      json: false,
      confirm: true,
      publishTimeout: this.publishTimeoutMs,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(exchange, 'topic', { durable: true });
        this.channelReady = true;
      },
    });
    this.channel.on('close', () => (this.channelReady = false));
    this.channel.on('error', (err: Error) => {
      this.channelReady = false;
      this.logger.warn({ err: err.message }, 'RabbitMQ channel setup failed');
    });
  }

  get connected(): boolean {
    return this.connection.isConnected() && this.channelReady;
  }

  async publish(messages: BusMessage[]): Promise<void> {
    if (!this.connected) throw new BusUnavailable('RabbitMQ is not connected');
    // ChannelWrapper.publish resolves on the broker's confirm (confirm channel) and rejects
    // on a nack or when no confirm came within the timeout.
    await Promise.all(
      messages.map((m) =>
        this.channel
          .publish(this.exchange, m.routingKey, m.body, {
            persistent: true,
            messageId: m.id,
            contentType: m.contentType,
            timeout: this.publishTimeoutMs,
          })
          .catch((err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            if (message === 'timeout' || !this.connected)
              throw new BusUnavailable(`RabbitMQ did not confirm in ${this.publishTimeoutMs} ms (${message})`);
            throw err;
          }),
      ),
    );
  }

  /**
   * Waits for the channel only while the first connection is still being made (a probe right
   * after boot); once an attempt has failed the broker is known to be away and the answer is
   * immediate. The wait is one shared listener, removed when it ends: a probe every few seconds
   * during a long outage must not pile listeners onto the channel (the old
   * `waitForConnect()` left one behind per probe).
   */
  async ping(timeoutMs: number): Promise<void> {
    if (this.connected) return;
    if (this.everFailed) throw new BusUnavailable('RabbitMQ is not connected');
    this.firstConnect ??= new Promise<void>((resolve) => {
      const done = () => {
        this.channel.off('connect', done);
        this.connection.off('connectFailed', done);
        this.firstConnect = undefined;
        resolve();
      };
      this.channel.on('connect', done);
      this.connection.on('connectFailed', done);
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstConnect,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    if (!this.connected) throw new BusUnavailable('RabbitMQ is not connected');
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
