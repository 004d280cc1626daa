/* The relay claims again at once only when that can find something: a sent row's payment with
 * a later row (held back behind it, eligible now), a full batch, or a failure. Otherwise it waits
 * for the next nudge or poll, so a trickle of events costs no empty claim per event. */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BusMessage, EventBus } from '../../src/messaging/event-bus.port';
import { OutboxRelay } from '../../src/messaging/outbox-relay';
import { OutboxSignal } from '../../src/messaging/outbox-signal';
import { writeOutboxEvent } from './support';
import { startTestApp, TestApp } from '../support/app';

class RecordingBus extends EventBus {
  readonly driver = 'amqp' as const;
  readonly published: string[] = [];
  async publish(messages: BusMessage[]): Promise<void> {
    for (const m of messages) this.published.push(m.id);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

const OPTIONS = {
  pollMs: 60_000, // never polls within a test: every round below is a nudge or an "again"
  batchSize: 50,
  leaseMs: 10_000,
  maxAttempts: 3,
  retryBaseMs: 1,
  retryMaxMs: 5,
  publishTimeoutMs: 1000,
};

describe('outbox relay: when a round is followed by another at once', () => {
  let t: TestApp;
  let ds: DataSource;

  const write = (aggregateId: string, status: string) => writeOutboxEvent(t, aggregateId, status);

  beforeAll(async () => {
    // API role only: no relay of its own, so the relays below are the only publishers
    t = await startTestApp({ wireWebhooks: false, env: { ROLE: 'api' } });
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await ds.query(`update outbox set status = 'SENT' where status = 'PENDING'`);
  });

  it('reports a payment whose later row waited behind the one just sent, and not otherwise', async () => {
    const payment = randomUUID();
    const approved = await write(payment, 'approved');
    const voided = await write(payment, 'voided');
    const lone = await write(randomUUID(), 'declined');
    const bus = new RecordingBus();
    const relay = new OutboxRelay(ds, bus, OPTIONS, undefined, new OutboxSignal());

    const first = await relay.runOnce();
    expect(first).toMatchObject({ claimed: 2, sent: 2, heldBehind: true });
    expect(bus.published.sort()).toEqual([approved, lone].sort());

    const second = await relay.runOnce();
    expect(second).toMatchObject({ claimed: 1, sent: 1, heldBehind: false });
    expect(bus.published).toContain(voided);
  });

  it('sends a held-back row without waiting for a poll, and a lone row needs no second claim', async () => {
    const payment = randomUUID();
    const approved = await write(payment, 'approved');
    const voided = await write(payment, 'voided');
    const bus = new RecordingBus();
    const signal = new OutboxSignal();
    const relay = new OutboxRelay(ds, bus, OPTIONS, undefined, signal);
    const rounds: number[] = [];
    const runOnce = relay.runOnce.bind(relay);
    relay.runOnce = async () => {
      const r = await runOnce();
      rounds.push(r.claimed);
      return r;
    };
    relay.start();
    try {
      // both leave in order within the bound although the poll is a minute: the second round
      // followed the first at once because its row had waited behind the first (a round is
      // counted once it has marked its rows, after their publish)
      const deadline = Date.now() + 10_000;
      while (rounds.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(bus.published).toEqual([approved, voided]);
      // the round that sent the voided row found nothing behind it: no empty claim follows
      // (a third round would only come from a nudge or the minute's poll)
      const settled = rounds.length;
      expect(rounds.slice(0, 2)).toEqual([1, 1]);
      await new Promise((r) => setTimeout(r, 200));
      expect(rounds.length).toBe(settled);
      expect(settled).toBe(2);

      // a row committed later is sent on its nudge, in one round
      const later = await write(randomUUID(), 'approved');
      signal.nudge();
      const until = Date.now() + 10_000;
      while (rounds.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(bus.published).toContain(later);
      await new Promise((r) => setTimeout(r, 200));
      expect(rounds).toEqual([1, 1, 1]);
    } finally {
      await relay.stop();
    }
  });
});
