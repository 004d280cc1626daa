/* RabbitMQ unreachable: events wait in the outbox (PENDING, attempts growing, never parked
 * for an outage) and all arrive, in order per payment, once a relay with a reachable broker
 * runs. */
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { ApplyInboxEvent } from '../../src/fulfilment/apply-inbox-event';
import { startTestApp, TestApp, testEnv, waitFor } from '../support/app';
import {
  BusObserver,
  insertInbox,
  insertPayment,
  newReference,
  observeBus,
  outboxRows,
  syntheticTx,
  transactionUpdated,
} from '../fulfilment/support';

const RELAY_ENV = {
  WOMPI_VERIFY_APPROVED_BY_FETCH: 'false',
  OUTBOX_POLL_MS: '50',
  OUTBOX_RETRY_BASE_MS: '20',
  OUTBOX_RETRY_MAX_MS: '200',
  OUTBOX_MAX_ATTEMPTS: '2',
};

describe('outbox: RabbitMQ unreachable', () => {
  let t: TestApp;
  let healthy: INestApplication | undefined;
  let bus: BusObserver;

  beforeAll(async () => {
    // this process's bus points at a closed port
    t = await startTestApp({ wireWebhooks: false, env: { ...RELAY_ENV, AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' } });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await healthy?.close();
    await bus?.close();
    await t?.close();
  });

  it('keeps events PENDING while the broker is down and delivers them all in order afterwards', async () => {
    const apply = t.app.get(ApplyInboxEvent);
    const a = newReference('a');
    const b = newReference('b');
    const c = newReference('c');
    const ids = {
      a: await insertPayment(t.db.url, { reference: a, amountInCents: 100_000 }),
      b: await insertPayment(t.db.url, { reference: b, amountInCents: 200_000 }),
      c: await insertPayment(t.db.url, { reference: c, amountInCents: 300_000 }),
    };
    const txA = syntheticTx(a, 100_000, 'APPROVED');
    // A: approved then voided (two events that must leave in this order); B declined; C approved
    for (const payload of [
      transactionUpdated(txA),
      transactionUpdated({ ...txA, status: 'VOIDED' }),
      transactionUpdated(syntheticTx(b, 200_000, 'DECLINED')),
      transactionUpdated(syntheticTx(c, 300_000, 'APPROVED')),
    ]) {
      const r = await apply.execute(await insertInbox(t.db.url, 'transaction.updated', payload));
      expect(r.outcome).toBe('changed');
    }
    const mine = async () => (await outboxRows(t.db.url)).filter((r) => Object.values(ids).includes(r.aggregate_id));
    expect((await mine()).map((r) => r.event_type)).toEqual([
      'transaction.approved',
      'transaction.voided',
      'transaction.declined',
      'transaction.approved',
    ]);

    // the relay keeps trying past OUTBOX_MAX_ATTEMPTS: an outage is not the event's fault
    await waitFor(
      'publish attempts to pile up',
      async () => {
        const rows = await mine();
        const heads = rows.filter((r) => r.event_type !== 'transaction.voided');
        return heads.every((r) => r.attempts >= 4) && rows;
      },
      20_000,
    );
    const waiting = await mine();
    expect(waiting.every((r) => r.status === 'PENDING')).toBe(true);
    expect(waiting.find((r) => r.event_type !== 'transaction.voided')!.last_error).toMatch(/BusUnavailable/);
    // A's second event waits behind its first: never claimed while the first is unsent
    expect(waiting.find((r) => r.event_type === 'transaction.voided')!.attempts).toBe(0);
    expect(bus.messages.filter((m) => [a, b, c].includes(m.event.subject))).toEqual([]);

    // a worker that can reach RabbitMQ (the broken one keeps running beside it)
    healthy = await createApp(loadConfig(testEnv(t.db, t.sandbox, { ...RELAY_ENV, ROLE: 'worker' })), {
      bufferLogs: false,
    });
    await healthy.init();

    await waitFor(
      'all four events on the bus',
      async () => bus.messages.filter((m) => [a, b, c].includes(m.event.subject)).length >= 4,
      20_000,
    );
    await waitFor('all four rows SENT', async () => (await mine()).every((r) => r.status === 'SENT'), 10_000);
    const got = bus.messages.filter((m) => [a, b, c].includes(m.event.subject));
    expect(got.filter((m) => m.event.subject === a).map((m) => m.event.type)).toEqual([
      'transaction.approved',
      'transaction.voided',
    ]);
    expect(got.find((m) => m.event.subject === b)!.event.type).toBe('transaction.declined');
    expect(got.find((m) => m.event.subject === c)!.event.type).toBe('transaction.approved');
    const rows = await mine();
    expect(new Set(got.map((m) => m.messageId))).toEqual(new Set(rows.map((r) => r.event_id)));
    expect(rows.every((r) => r.last_error === null)).toBe(true);
  });
});
