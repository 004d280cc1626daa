/* The sample consumer (examples/consumer) against the real service: real payments through the
 * API and the sandbox, the service's outbox relay publishing to the real RabbitMQ, the consumer
 * on its own queue and its own fresh database. Crashes are simulated with abort(), which drops
 * the broker and database sockets with no ack, COMMIT or ROLLBACK — what SIGKILL does. */
import * as amqplib from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ConsumerHooks, Delivery, PaymentEventsConsumer } from '../../examples/consumer/consumer';
import { Outcome } from '../../examples/consumer/store';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { AMQP_URL, PG_ADMIN_URL, pgQuery, withDatabase } from '../support/services';
import { Api, cardBody, DECLINED_CARD } from '../transactions/support';

interface Settled {
  consumer: number;
  eventId: string | undefined;
  paymentId: string | undefined;
  result: Outcome | 'poison' | 'retry';
  delivery: Delivery;
}

describe('examples/consumer against the real service and RabbitMQ', () => {
  let t: TestApp;
  let api: Api;
  let dbName: string;
  let dbUrl: string;
  let queue: string;
  let admin: amqplib.ChannelModel;
  let adminCh: amqplib.Channel;
  const settled: Settled[] = [];
  const running: { consumer: PaymentEventsConsumer; pool: Pool }[] = [];
  const hooks: ConsumerHooks = {};

  /** A consumer instance; hooks are the suite's current ones (tests set and clear them). */
  async function startConsumer(): Promise<PaymentEventsConsumer> {
    const n = running.length;
    const pool = new Pool({ connectionString: dbUrl, max: 5 });
    pool.on('error', () => undefined);
    const consumer = new PaymentEventsConsumer({
      amqpUrl: AMQP_URL,
      exchange: t.config.amqpExchange,
      queue,
      pool,
      prefetch: 4,
      deliveryLimit: 3,
      retryBaseMs: 20,
      retryMaxMs: 200,
      log: () => undefined,
      hooks: {
        beforeCommit: (e) => hooks.beforeCommit?.(e) ?? Promise.resolve(),
        beforeAck: (e) => hooks.beforeAck?.(e) ?? Promise.resolve(),
        beforeRequeue: (e) => hooks.beforeRequeue?.(e) ?? Promise.resolve(),
        settled: (e, result, delivery) =>
          settled.push({ consumer: n, eventId: e?.id, paymentId: e?.data.id, result, delivery }),
      },
    });
    running.push({ consumer, pool });
    await consumer.start();
    return consumer;
  }

  const consumerSql = <T>(text: string, params: unknown[] = []) => pgQuery<T>(dbUrl, text, params);
  const effectsOf = (paymentId: string) =>
    consumerSql<{ action: string; event_id: string }>(
      'select action, event_id from payment_effects where payment_id = $1 order by id',
      [paymentId],
    );
  const stateOf = async (paymentId: string) =>
    (
      await consumerSql<{ status: string; version: number; last_event_id: string }>(
        'select status, version, last_event_id from payment_states where payment_id = $1',
        [paymentId],
      )
    )[0];
  const processed = (eventId: string) =>
    consumerSql<{ outcome: string }>('select outcome from processed_events where event_id = $1', [eventId]);
  /** The service's own outbox: the CloudEvent ids it published for a payment. */
  const serviceEvents = (paymentId: string) =>
    pgQuery<{ event_id: string; event_type: string; status: string }>(
      t.db.url,
      'select event_id, event_type, status from outbox where aggregate_id = $1 order by id',
      [paymentId],
    );
  const settledFor = (eventId: string) => settled.filter((s) => s.eventId === eventId);

  async function approvedPayment(card?: string): Promise<string> {
    const r = await api.create<{ id: string; status: string }>(await cardBody(t.sandbox, card), randomUUID());
    expect(r.status).toBe(201);
    return r.body.id;
  }
  async function eventOf(paymentId: string, type: string): Promise<string> {
    const row = await waitFor(`${type} of ${paymentId} in the outbox`, async () =>
      (await serviceEvents(paymentId)).find((e) => e.event_type === type),
    );
    return row.event_id;
  }
  async function voidPayment(paymentId: string): Promise<void> {
    const r = await api.post(`/v1/transactions/${paymentId}/void`, {}, randomUUID());
    expect(r.status).toBeLessThan(300);
  }

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
    // the consumer's own empty database (named pay_* so the global teardown sweeps it after a crash)
    dbName = `pay_consumer_${process.env.TEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
    await pgQuery(PG_ADMIN_URL, `create database ${dbName}`);
    dbUrl = withDatabase(PG_ADMIN_URL, dbName);
    queue = `test-consumer-${t.db.name}`;
    admin = await amqplib.connect(AMQP_URL);
    adminCh = await admin.createChannel();
    // bound before any payment: the exchange drops what no queue is bound to
    await startConsumer();
  });

  afterAll(async () => {
    for (const r of running) {
      await r.consumer.stop().catch(() => undefined);
      await r.pool.end().catch(() => undefined);
    }
    if (adminCh) {
      for (const q of [queue, `${queue}.dlq`]) await adminCh.deleteQueue(q).catch(() => undefined);
      await adminCh.deleteExchange(`${queue}.dlx`).catch(() => undefined);
      await adminCh.deleteExchange(t.config.amqpExchange).catch(() => undefined);
    }
    await admin?.close().catch(() => undefined);
    if (dbName) await pgQuery(PG_ADMIN_URL, `drop database if exists ${dbName} with (force)`);
    await t?.close();
  });

  afterEach(() => {
    delete hooks.beforeCommit;
    delete hooks.beforeAck;
    delete hooks.beforeRequeue;
  });

  it('applies a real approved-then-voided payment once per event, in order', async () => {
    const id = await approvedPayment();
    const approved = await eventOf(id, 'transaction.approved');
    await waitFor('APPROVED applied', async () => (await stateOf(id))?.status === 'APPROVED', 15_000);
    await voidPayment(id);
    const voided = await eventOf(id, 'transaction.voided');
    await waitFor('VOIDED applied', async () => (await stateOf(id))?.status === 'VOIDED', 15_000);

    expect(await effectsOf(id)).toEqual([
      { action: 'FULFIL_ORDER', event_id: approved },
      { action: 'CANCEL_ORDER', event_id: voided },
    ]);
    expect(await stateOf(id)).toEqual({ status: 'VOIDED', version: 3, last_event_id: voided });
    expect(await processed(approved)).toEqual([{ outcome: 'applied' }]);
    expect(await processed(voided)).toEqual([{ outcome: 'applied' }]);
  });

  it("a re-publish by the service's own relay (the same CloudEvent id, after a newer event) is a duplicate", async () => {
    const id = await approvedPayment();
    await waitFor('APPROVED applied', async () => (await stateOf(id))?.status === 'APPROVED', 15_000);
    await voidPayment(id);
    await waitFor('VOIDED applied', async () => (await stateOf(id))?.status === 'VOIDED', 15_000);
    const approved = await eventOf(id, 'transaction.approved');

    // What a relay that died between the broker's confirm and marking the row SENT does: the
    // row is published again, same CloudEvent id — here after the later event of the payment.
    await pgQuery(
      t.db.url,
      `update outbox set status = 'PENDING', next_attempt_at = now() where event_id = $1 and status = 'SENT'`,
      [approved],
    );
    const again = await waitFor('the re-published approved event handled', async () =>
      settledFor(approved).find((s) => s.result === 'duplicate'),
    );
    expect(again.result).toBe('duplicate');
    expect((await effectsOf(id)).map((e) => e.action)).toEqual(['FULFIL_ORDER', 'CANCEL_ORDER']);
    expect((await stateOf(id)).status).toBe('VOIDED');
  });

  it('an older event delivered after a newer one of the same payment is not applied over it', async () => {
    // Payment P is approved. The consumer's first try at transaction.approved fails (a transient
    // error), and its requeue is held back until transaction.voided — published by the service
    // after the void, delivered while the approved message is still in hand — was applied.
    let voidedApplied!: () => void;
    const gate = new Promise<void>((resolve) => (voidedApplied = resolve));
    let approved: string | undefined;
    hooks.beforeCommit = async (e) => {
      if (e.type !== 'transaction.approved' || approved) return;
      approved = e.id;
      throw new Error('transient failure (test)');
    };
    hooks.beforeRequeue = async (e) => {
      if (e.id === approved) await gate;
    };
    const id = await approvedPayment();
    let voided: string;
    try {
      const failed = await waitFor('the approved event failed once', async () => approved, 15_000);
      expect(failed).toBe(await eventOf(id, 'transaction.approved'));
      await voidPayment(id);
      voided = await eventOf(id, 'transaction.voided');
      await waitFor('VOIDED applied', async () => (await stateOf(id))?.status === 'VOIDED', 15_000);
    } finally {
      voidedApplied(); // never leave a message held: stop() would wait for it
    }
    const approvedId = approved!;
    const late = await waitFor('the approved event redelivered', async () =>
      settledFor(approvedId).find((s) => s.result !== 'retry'),
    );
    expect(settledFor(approvedId).map((s) => s.result)).toEqual(['retry', 'stale']);
    expect(late.delivery).toMatchObject({ redelivered: true, count: 2 });
    expect(await stateOf(id)).toEqual({ status: 'VOIDED', version: 3, last_event_id: voided });
    expect(await effectsOf(id)).toEqual([{ action: 'CANCEL_ORDER', event_id: voided }]);
    expect(await processed(approvedId)).toEqual([{ outcome: 'stale' }]);
  });

  it('a crash between the effect and the COMMIT: nothing committed, redelivered, applied once', async () => {
    const crashing = running[running.length - 1].consumer;
    let crashed = false;
    hooks.beforeCommit = async () => {
      crashed = true;
      crashing.abort();
      throw new Error('killed (test)');
    };
    const id = await approvedPayment();
    const approved = await eventOf(id, 'transaction.approved');
    await waitFor('the consumer crashed before COMMIT', async () => crashed, 15_000);
    delete hooks.beforeCommit;
    // the effect was written inside the transaction, which never committed
    expect(await effectsOf(id)).toEqual([]);
    expect(await processed(approved)).toEqual([]);

    const next = running.length;
    await startConsumer();
    const handled = await waitFor('the approved event redelivered to the new consumer', async () =>
      settledFor(approved).find((s) => s.consumer === next),
    );
    expect(handled).toMatchObject({ result: 'applied', delivery: { redelivered: true } });
    expect(await effectsOf(id)).toEqual([{ action: 'FULFIL_ORDER', event_id: approved }]);
    expect(await processed(approved)).toEqual([{ outcome: 'applied' }]);
  });

  it('a crash after the COMMIT and before the ack: redelivered, found in processed_events, applied once', async () => {
    const crashing = running[running.length - 1].consumer;
    let crashed = false;
    hooks.beforeAck = async () => {
      crashed = true;
      crashing.abort();
    };
    const id = await approvedPayment();
    const approved = await eventOf(id, 'transaction.approved');
    await waitFor('the consumer crashed before the ack', async () => crashed, 15_000);
    delete hooks.beforeAck;
    expect(await effectsOf(id)).toEqual([{ action: 'FULFIL_ORDER', event_id: approved }]);

    const next = running.length;
    await startConsumer();
    const handled = await waitFor('the approved event redelivered to the new consumer', async () =>
      settledFor(approved).find((s) => s.consumer === next),
    );
    expect(handled).toMatchObject({ result: 'duplicate', delivery: { redelivered: true } });
    expect(await effectsOf(id)).toEqual([{ action: 'FULFIL_ORDER', event_id: approved }]);
    expect(await processed(approved)).toEqual([{ outcome: 'applied' }]);
  });

  it('a declined payment applies its own event (RELEASE_STOCK) once', async () => {
    const r = await api.create<{ id: string }>(await cardBody(t.sandbox, DECLINED_CARD), randomUUID());
    expect(r.status).toBe(201);
    const declined = await eventOf(r.body.id, 'transaction.declined');
    await waitFor('DECLINED applied', async () => (await processed(declined)).length === 1, 15_000);
    expect(await effectsOf(r.body.id)).toEqual([{ action: 'RELEASE_STOCK', event_id: declined }]);
    expect((await stateOf(r.body.id)).version).toBe(1);
  });

  /** Takes one message off the dead-letter queue, waiting for it with a bound. */
  async function fromDlq(): Promise<amqplib.GetMessage> {
    return waitFor('a message on the dead-letter queue', async () => adminCh.get(`${queue}.dlq`, { noAck: true }));
  }

  it('poison (not a valid payment CloudEvent) goes to the dead-letter queue at once, never redelivered', async () => {
    const before = settled.filter((s) => s.result === 'poison').length;
    const ids = [randomUUID(), randomUUID()];
    const bodies = [
      Buffer.from('not json'),
      // a CloudEvent of the right type whose data is not a payment
      Buffer.from(JSON.stringify({ specversion: '1.0', id: ids[1], type: 'transaction.approved', data: {} })),
    ];
    bodies.forEach((body, i) =>
      adminCh.publish(t.config.amqpExchange, 'transaction.approved', body, {
        persistent: true,
        messageId: ids[i],
        contentType: 'application/cloudevents+json',
      }),
    );
    const dead = [await fromDlq(), await fromDlq()];
    expect(dead.map((m) => m.properties.messageId).sort()).toEqual([...ids].sort());
    for (const m of dead) {
      const death = (m.properties.headers?.['x-death'] as { reason: string; queue: string; count: number }[])[0];
      expect(death).toMatchObject({ reason: 'rejected', queue, count: 1 });
    }
    // each one was delivered once: no redelivery loop
    expect(settled.filter((s) => s.result === 'poison').length - before).toBe(2);
    expect((await adminCh.checkQueue(queue)).messageCount).toBe(0);
  });

  it('an event that keeps failing is retried a bounded number of times, then dead-lettered', async () => {
    hooks.beforeCommit = async (e) => {
      if (e.type === 'transaction.approved') throw new Error('always fails (test)');
    };
    const id = await approvedPayment();
    const approvedId = await eventOf(id, 'transaction.approved');
    const dead = await fromDlq();
    expect(dead.properties.messageId).toBe(approvedId);
    const death = (dead.properties.headers?.['x-death'] as { reason: string }[])[0];
    expect(death.reason).toBe('delivery_limit');
    // delivery limit 3: the first delivery and three redeliveries, each requeued after a pause
    expect(settledFor(approvedId).map((s) => s.result)).toEqual(['retry', 'retry', 'retry', 'retry']);
    expect(await effectsOf(id)).toEqual([]);
    expect(await processed(approvedId)).toEqual([]);
  });

  it('stop() finishes the message in hand (commit, ack) and takes no more; the next instance gets the rest', async () => {
    const current = running[running.length - 1].consumer;
    let inHand!: () => void;
    const held = new Promise<void>((resolve) => (inHand = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    hooks.beforeCommit = async () => {
      inHand();
      await gate;
    };
    const first = await approvedPayment();
    let stopped = false;
    let stopping: Promise<void> | undefined;
    let second: string;
    try {
      await held;
      stopping = current.stop().then(() => void (stopped = true));
      // a later event is no longer delivered to the stopping instance: it waits in the queue
      second = await approvedPayment();
      await eventOf(second, 'transaction.approved');
      await waitFor(
        'the later event waiting in the queue',
        async () => (await adminCh.checkQueue(queue)).messageCount === 1,
      );
      expect(stopped).toBe(false); // still waiting for the transaction in hand
    } finally {
      release();
    }
    await stopping;
    const firstEvent = await eventOf(first, 'transaction.approved');
    expect(settledFor(firstEvent).map((s) => s.result)).toEqual(['applied']);
    expect(await effectsOf(first)).toEqual([{ action: 'FULFIL_ORDER', event_id: firstEvent }]);
    // acked before the channel closed: only the later event is left
    expect((await adminCh.checkQueue(queue)).messageCount).toBe(1);

    delete hooks.beforeCommit;
    await startConsumer();
    const secondEvent = await eventOf(second, 'transaction.approved');
    await waitFor(
      'the later event applied by the next instance',
      async () => (await processed(secondEvent)).length === 1,
    );
    expect(await effectsOf(second)).toEqual([{ action: 'FULFIL_ORDER', event_id: secondEvent }]);
    expect(settledFor(firstEvent)).toHaveLength(1); // never redelivered
  });
});
