/* Give-up horizons (docs/buyer-retry-and-horizons.md): a PSE payment the buyer abandoned (the
 * sandbox keeps it PENDING: fault `abandon_next`) is polled with its back-off and, after its
 * method's horizon (shortened here: PSE=4s), a last read that still says PENDING ends it in our
 * own EXPIRED with one transaction.expired. Wompi approving it later is still applied — money is
 * money — and flagged as an anomaly, with transaction.approved after the expiry. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { BusObserver, observeBus } from '../fulfilment/support';
import { Api, createBody, sandboxDecide, sandboxFaults } from './support';

const HORIZON_S = 4;
const PSE = {
  type: 'PSE',
  user_type: 0,
  user_legal_id_type: 'CC',
  user_legal_id: '1999888777',
  financial_institution_code: '1',
  payment_description: 'Pedido 1',
};

describe('give-up horizon: an abandoned PSE payment', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PENDING_HORIZONS: `CARD=1h,PSE=${HORIZON_S}s,*=24h`,
        STALE_POLL_AFTER_MS: '500',
        STALE_POLL_EVERY_MS: '200',
        OUTBOX_POLL_MS: '100',
      },
    });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  const row = async (id: string) =>
    (
      await pgQuery<{
        status: string;
        status_message: string | null;
        created_at: Date;
        finalized_at: Date | null;
        poll_attempts: number;
      }>(
        t.db.url,
        'select status, status_message, created_at, finalized_at, poll_attempts from payments where id = $1',
        [id],
      )
    )[0];
  const onBus = (id: string) => bus.messages.filter((m) => m.event.data.id === id).map((m) => m.routingKey);

  it('ends EXPIRED with one transaction.expired after its horizon; a later approval is applied and flagged', async () => {
    await sandboxFaults(t.sandbox, { abandon_next: 1 });
    const api = new Api(t);
    const created = await api.create(
      await createBody(t.sandbox, {
        payment_method: PSE,
        customer_data: { full_name: 'Juana Pérez', phone_number: '573001234567' },
      }),
      randomUUID(),
    );
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('PENDING');
    const id = String(created.body.id);
    const wompiId = String(created.body.wompi_transaction_id);

    const expired = await waitFor(
      'the payment EXPIRED',
      async () => {
        const r = await row(id);
        return r.status === 'EXPIRED' && r;
      },
      (HORIZON_S + 20) * 1000,
      100,
    );
    // not before its horizon, and only after being polled before it (the back-off) and once at it (the last read)
    expect(expired.finalized_at!.getTime() - expired.created_at.getTime()).toBeGreaterThanOrEqual(HORIZON_S * 1000);
    expect(expired.poll_attempts).toBeGreaterThanOrEqual(2);
    expect(expired.status_message).toMatch(/PENDING at Wompi .*PSE horizon/);
    expect((await api.get(`/v1/transactions/${id}`)).body).toMatchObject({
      status: 'EXPIRED',
      wompi_transaction_id: wompiId,
    });
    // Wompi still has it PENDING: the attempt keeps Wompi's status
    expect(await pgQuery(t.db.url, 'select status from payment_attempts where payment_id = $1', [id])).toEqual([
      { status: 'PENDING' },
    ]);
    expect(
      await pgQuery(
        t.db.url,
        'select from_status, to_status, source from payment_status_history where payment_id = $1 and to_status = $2',
        [id, 'EXPIRED'],
      ),
    ).toEqual([{ from_status: 'PENDING', to_status: 'EXPIRED', source: 'poll' }]);

    await waitFor('transaction.expired on the bus', async () => onBus(id).length > 0, 15_000);
    expect(onBus(id)).toEqual(['transaction.expired']);
    expect(bus.messages.find((m) => m.event.data.id === id)!.event).toMatchObject({
      type: 'transaction.expired',
      subject: created.body.reference,
      data: { status: 'EXPIRED' },
    });
    expect(await pgQuery(t.db.url, 'select event_type from outbox where aggregate_id = $1', [id])).toEqual([
      { event_type: 'transaction.expired' },
    ]);

    // the buyer finished at the bank after all: applied, flagged for an operator, announced
    await sandboxDecide(t.sandbox, wompiId, 'APPROVED');
    await waitFor('the late approval applied', async () => (await row(id)).status === 'APPROVED', 15_000);
    expect(
      await pgQuery(t.db.url, 'select kind, wompi_transaction_id from payment_anomalies where payment_id = $1', [id]),
    ).toEqual([{ kind: 'approved_after_expiry', wompi_transaction_id: wompiId }]);
    await waitFor('transaction.approved on the bus', async () => onBus(id).length > 1, 15_000);
    expect(onBus(id)).toEqual(['transaction.expired', 'transaction.approved']);
  }, 60_000);
});
