/* Checkout sessions that never got a transaction end (docs/buyer-retry-and-horizons.md): at their
 * expiration_time, or CHECKOUT_SESSION_DEFAULT_TTL_S after creation without one, with one
 * checkout_session.expired. Wompi is asked first: a session the buyer did pay, whose webhook was
 * lost, is applied instead of expired. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Json, newKey, post } from '../idempotency/helpers';
import { BusObserver, observeBus } from '../fulfilment/support';
import { sandboxFaults } from '../transactions/support';
import { payInWidget } from './support';

const TTL_S = 3;

describe('checkout sessions with no transaction expire', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    t = await startTestApp({
      env: { CHECKOUT_SESSION_DEFAULT_TTL_S: String(TTL_S), STALE_POLL_EVERY_MS: '200', OUTBOX_POLL_MS: '100' },
    });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  const session = async (over: Json = {}) => {
    const r = await post(
      t,
      '/v1/checkout-sessions',
      { amount_in_cents: 4_200_000, currency: 'COP', ...over },
      { key: newKey('exp') },
    );
    expect(r.status).toBe(201);
    return r.body;
  };
  const row = async (id: string) =>
    (
      await pgQuery<{
        status: string;
        status_message: string | null;
        finalized_at: Date | null;
        expiration_time: Date | null;
        created_at: Date;
      }>(
        t.db.url,
        'select status, status_message, finalized_at, expiration_time, created_at from payments where id = $1',
        [id],
      )
    )[0];
  const onBus = (id: string) => bus.messages.filter((m) => m.event.data.id === id);

  it('ends at its expiration_time with one checkout_session.expired', async () => {
    const expiration = new Date(Date.now() + 2000);
    const s = await session({ expiration_time: expiration.toISOString() });
    const other = await session({ expiration_time: new Date(Date.now() + 3_600_000).toISOString() });

    const ended = await waitFor(
      'the session EXPIRED',
      async () => {
        const r = await row(s.id);
        return r.status === 'EXPIRED' && r;
      },
      20_000,
      100,
    );
    expect(ended.finalized_at!.getTime()).toBeGreaterThanOrEqual(expiration.getTime());
    expect(ended.status_message).toBe(`checkout session expired at ${expiration.toISOString()} without a payment`);
    await waitFor('checkout_session.expired on the bus', async () => onBus(s.id).length > 0, 15_000);
    const [m] = onBus(s.id);
    expect(onBus(s.id)).toHaveLength(1);
    expect(m.routingKey).toBe('checkout_session.expired');
    expect(m.event).toMatchObject({
      type: 'checkout_session.expired',
      subject: s.reference,
      data: { id: s.id, kind: 'CHECKOUT', status: 'EXPIRED', wompi_transaction_id: null },
    });
    expect(await pgQuery(t.db.url, 'select event_type from outbox where aggregate_id = $1', [s.id])).toEqual([
      { event_type: 'checkout_session.expired' },
    ]);
    // a session not yet at its end is untouched
    expect((await row(other.id)).status).toBe('PENDING');
    // and the reference is not a payable session any more: the same request again is refused
    const again = await post(
      t,
      '/v1/checkout-sessions',
      {
        amount_in_cents: 4_200_000,
        currency: 'COP',
        reference: s.reference,
        expiration_time: new Date(Date.now() + 60_000).toISOString(),
      },
      { key: newKey('exp') },
    );
    expect(again.status).toBe(409);
  });

  it('without expiration_time, ends CHECKOUT_SESSION_DEFAULT_TTL_S after creation', async () => {
    const s = await session();
    const ended = await waitFor(
      'the session EXPIRED',
      async () => {
        const r = await row(s.id);
        return r.status === 'EXPIRED' && r;
      },
      20_000,
      100,
    );
    expect(ended.finalized_at!.getTime() - ended.created_at.getTime()).toBeGreaterThanOrEqual(TTL_S * 1000);
    await waitFor('checkout_session.expired on the bus', async () => onBus(s.id).length > 0, 15_000);
    expect(onBus(s.id).map((m) => m.routingKey)).toEqual(['checkout_session.expired']);
  });

  it('a session paid at Wompi whose webhook was lost is applied, not expired', async () => {
    await sandboxFaults(t.sandbox, { webhooks: { drop_next: 10 } });
    const s = await session({ expiration_time: new Date(Date.now() + 2500).toISOString() });
    await payInWidget(t, s, 'APPROVED');
    await waitFor('the session APPROVED', async () => (await row(s.id)).status === 'APPROVED', 20_000, 100);
    await sandboxFaults(t.sandbox, {});
    await waitFor('transaction.approved on the bus', async () => onBus(s.id).length > 0, 15_000);
    expect(onBus(s.id).map((m) => m.routingKey)).toEqual(['transaction.approved']);
    expect(await pgQuery(t.db.url, 'select event_type from outbox where aggregate_id = $1', [s.id])).toEqual([
      { event_type: 'transaction.approved' },
    ]);
  });
});
