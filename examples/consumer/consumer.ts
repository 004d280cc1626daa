/**
 * A sample consumer of the payments service's events: the pattern to copy.
 *
 *   payments.events (topic, the service's) ──routing keys──▶ <queue> (quorum, ours)
 *                                                              │ nack(requeue=false), or
 *                                                              │ redelivered deliveryLimit times
 *                                                              ▼
 *                                        <queue>.dlx (fanout) ──▶ <queue>.dlq (ours, for a human)
 *
 * Per message: parse → (poison? dead-letter now) → one DB transaction (dedupe + order check +
 * effect) → COMMIT → ack. Acking only after COMMIT makes a crash anywhere before the ack a
 * redelivery, and the dedupe table makes every redelivery harmless.
 */
import * as amqplib from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Client, Pool, PoolClient } from 'pg';
import { parseEnvelope, PAYMENT_EVENT_TYPES, PaymentEvent } from './envelope';
import { ConsumerStore, Outcome, StoreHooks } from './store';

export type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface ConsumerOptions {
  amqpUrl: string;
  /** the service's exchange (`AMQP_EXCHANGE` there; default `payments.events`) */
  exchange: string;
  /** this consumer's own durable queue; its dead-letter queue is `<queue>.dlq` */
  queue: string;
  pool: Pool;
  /** unacked messages in flight at once (also the useful pg pool size) */
  prefetch: number;
  /** redeliveries of a failing message before the broker dead-letters it (N + 1 deliveries in all) */
  deliveryLimit: number;
  /** pause before requeueing a failed message: base * 2^(delivery-1), capped */
  retryBaseMs: number;
  retryMaxMs: number;
  log: Log;
  /** fault-injection points for tests; leave unset */
  hooks?: ConsumerHooks;
}

export interface ConsumerHooks extends StoreHooks {
  /** after COMMIT, before the ack */
  beforeAck?: (event: PaymentEvent) => Promise<void>;
  /** after a failure's pause, before the requeue */
  beforeRequeue?: (event: PaymentEvent) => Promise<void>;
  /** after each message was settled (acked or nacked) */
  settled?: (event: PaymentEvent | undefined, result: Outcome | 'poison' | 'retry', delivery: Delivery) => void;
}

/** How often the broker delivered this message: `count` is RabbitMQ's x-delivery-count plus one. */
export interface Delivery {
  redelivered: boolean;
  count: number;
}

export class PaymentEventsConsumer {
  private readonly store: ConsumerStore;
  private conn?: ChannelModel;
  private ch?: Channel;
  private consumerTag?: string;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly clients = new Set<PoolClient>();
  private stopping = false;
  private aborted = false;
  private readonly wake = new AbortController();
  private onLost!: (err: Error) => void;
  /** settles when the broker connection is lost without stop(): the process should exit and be restarted */
  readonly lost = new Promise<Error>((resolve) => (this.onLost = resolve));

  constructor(private readonly o: ConsumerOptions) {
    this.store = new ConsumerStore(o.pool, {
      beforeCommit: o.hooks?.beforeCommit,
      onCheckout: (c) => this.clients.add(c),
      onRelease: (c) => this.clients.delete(c),
    });
  }

  async start(): Promise<void> {
    await this.store.migrate();
    const conn = (this.conn = await amqplib.connect(this.o.amqpUrl));
    // No reconnect logic on purpose: on a lost connection the broker requeues every unacked
    // message, so the simplest correct thing is to exit and let the supervisor restart us.
    conn.on('error', (err: Error) => this.o.log('warn', 'RabbitMQ connection error', { err: err.message }));
    conn.on('close', () => {
      if (!this.stopping) this.onLost(new Error('RabbitMQ connection closed'));
    });
    const ch = (this.ch = await conn.createChannel());
    ch.on('error', (err: Error) => this.o.log('warn', 'RabbitMQ channel error', { err: err.message }));
    ch.on('close', () => {
      if (!this.stopping) this.onLost(new Error('RabbitMQ channel closed'));
    });

    // Topology. All declarations are idempotent; the exchange is declared exactly as the
    // service declares it (durable topic), so whoever starts first creates it.
    const { exchange, queue } = this.o;
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertExchange(`${queue}.dlx`, 'fanout', { durable: true });
    await ch.assertQueue(`${queue}.dlq`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(`${queue}.dlq`, `${queue}.dlx`, '');
    // A quorum queue counts deliveries (x-delivery-count) and dead-letters a message returned
    // after x-delivery-limit redeliveries: a bounded retry with no bookkeeping of ours. Changing these
    // arguments later needs a new queue (RabbitMQ refuses a redeclare with other arguments).
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': this.o.deliveryLimit,
        'x-dead-letter-exchange': `${queue}.dlx`,
      },
    });
    // One binding per payment event type. `transaction.*` would also bring transaction.external,
    // whose `data` is not a payment: bind only what you handle.
    for (const key of PAYMENT_EVENT_TYPES) await ch.bindQueue(queue, exchange, key);

    // Bounded prefetch: at most this many unacked messages (and DB transactions) at once.
    await ch.prefetch(this.o.prefetch);
    const ok = await ch.consume(queue, (msg) => this.onDelivery(msg), { noAck: false });
    this.consumerTag = ok.consumerTag;
    this.o.log('info', 'consuming', { exchange, queue, prefetch: this.o.prefetch });
  }

  /**
   * Graceful shutdown: stop new deliveries, let the messages in hand finish (commit + ack;
   * a failed one waiting to be retried is requeued at once), then close. Anything not acked
   * by then is requeued by the broker and redelivered to the next consumer — harmless.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake.abort();
    if (this.ch && this.consumerTag) await this.ch.cancel(this.consumerTag).catch(() => undefined);
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await this.ch?.close().catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
    this.o.log('info', 'stopped');
  }

  /**
   * What a crash (SIGKILL, OOM, power loss) does: the broker and database connections drop
   * with no ack, no COMMIT and no ROLLBACK. For tests and drills only.
   */
  abort(): void {
    this.aborted = this.stopping = true;
    this.wake.abort();
    for (const c of this.clients) (c as unknown as Client).connection.stream.destroy();
    // with an error, so amqplib notices at once (a bare destroy() leaves its heartbeat timer running)
    const amqpSocket = (this.conn?.connection as unknown as { stream?: { destroy(err: Error): void } } | undefined)
      ?.stream;
    amqpSocket?.destroy(new Error('consumer aborted'));
  }

  private onDelivery(msg: ConsumeMessage | null): void {
    // null: the broker cancelled us (queue deleted, node down): same as a lost connection
    if (msg === null) return this.onLost(new Error('RabbitMQ cancelled the consumer'));
    const p: Promise<void> = this.handle(msg)
      .catch((err: unknown) => this.o.log('error', 'message handling failed', { err: String(err) }))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async handle(msg: ConsumeMessage): Promise<void> {
    const delivery: Delivery = {
      redelivered: msg.fields.redelivered,
      count: Number(msg.properties.headers?.['x-delivery-count'] ?? 0) + 1,
    };
    const parsed = parseEnvelope(msg.content, msg.properties.messageId);
    if (!parsed.ok) {
      // Poison: it would fail identically on every redelivery. Dead-letter it now (the DLQ
      // keeps the bytes and RabbitMQ's x-death header says where it came from).
      this.o.log('error', 'malformed event dead-lettered', {
        reason: parsed.reason,
        message_id: msg.properties.messageId,
        routing_key: msg.fields.routingKey,
      });
      this.settle(msg, 'reject');
      this.o.hooks?.settled?.(undefined, 'poison', delivery);
      return;
    }
    const event = parsed.event;
    const fields = { event_id: event.id, type: event.type, payment_id: event.data.id };

    let outcome: Outcome;
    try {
      outcome = await this.store.apply(event);
    } catch (err) {
      if (this.aborted) return;
      // Transient (database down, deadlock, bug): nothing was committed. Requeue after a pause
      // so a short outage heals; the queue's delivery limit dead-letters a message that keeps failing.
      const pauseMs = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(delivery.count - 1, 20));
      this.o.log('warn', 'event failed; requeueing', {
        ...fields,
        delivery: delivery.count,
        pause_ms: pauseMs,
        err: String(err),
      });
      await this.pause(pauseMs);
      await this.o.hooks?.beforeRequeue?.(event);
      if (this.aborted) return;
      this.settle(msg, 'requeue');
      this.o.hooks?.settled?.(event, 'retry', delivery);
      return;
    }
    if (this.aborted) return;
    await this.o.hooks?.beforeAck?.(event);
    if (this.aborted) return;
    // Only now, after COMMIT. A crash between the COMMIT and this ack is a redelivery that
    // the dedupe table turns into 'duplicate'.
    this.settle(msg, 'ack');
    this.o.log('info', outcome === 'applied' ? 'event applied' : `event ${outcome}; nothing to do`, {
      ...fields,
      delivery: delivery.count,
    });
    this.o.hooks?.settled?.(event, outcome, delivery);
  }

  private settle(msg: ConsumeMessage, how: 'ack' | 'requeue' | 'reject'): void {
    try {
      if (!this.ch) throw new Error('no channel');
      if (how === 'ack') this.ch.ack(msg);
      else this.ch.nack(msg, false, how === 'requeue');
    } catch (err) {
      // The channel closed under us: the broker requeues the message by itself.
      this.o.log('warn', 'could not settle; the broker will redeliver', { how, err: String(err) });
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.wake.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.signal.addEventListener('abort', done);
    });
  }
}
