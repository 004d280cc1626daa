/* A Wompi transaction whose reference we never issued is recorded, announced and listed —
 * never ignored — and fulfilled only when EXTERNAL_PAYMENTS_OWNER claims it. */
import { OTHER_API_KEY, OTHER_CALLER, startTestApp, TestApp, TEST_CALLER, waitFor } from '../support/app';
import { createAtWompi } from '../transactions/support';
import { BusObserver, newReference, observeBus, sql } from '../fulfilment/support';
import { call, Json } from '../payment-links/support';

describe('external transactions: unknown references', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    t = await startTestApp({ env: { OPERATOR_CALLERS: TEST_CALLER } });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('a sandbox transaction with an unknown reference is listed as external with its transaction.external event', async () => {
    const reference = newReference('dashboard');
    const tx = await createAtWompi(t.sandbox, reference, 3_100_000);
    const listed = await waitFor(
      'the external transaction listed APPROVED',
      async () => {
        const r = await call(t, 'GET', '/v1/external-transactions?status=APPROVED&unclaimed=true');
        return r.body.data?.find((e: Json) => e.wompi_transaction_id === tx.id);
      },
      15_000,
      100,
    );
    expect(listed).toMatchObject({
      reference,
      amount_in_cents: 3_100_000,
      currency: 'COP',
      status: 'APPROVED',
      payment_method_type: 'CARD',
      payment_id: null,
    });
    expect((await call(t, 'GET', `/v1/external-transactions/${listed.id}`)).body).toEqual(listed);

    const event = await waitFor(
      'transaction.external on the bus',
      async () =>
        bus.messages.find(
          (m) => m.event.type === 'transaction.external' && m.event.data.wompi_transaction_id === tx.id,
        ),
      15_000,
    );
    expect(event).toMatchObject({
      routingKey: 'transaction.external',
      contentType: 'application/cloudevents+json',
      persistent: true,
      messageId: event.event.id,
    });
    expect(event.event.subject).toBe(reference);
    expect(event.event.data).toEqual(listed);

    // handled, not ignored; nothing fulfilled, no payment made up
    expect(
      await sql(t.db.url, `select status from webhook_inbox where payload->'data'->'transaction'->>'id' = $1`, [tx.id]),
    ).toEqual([{ status: 'PROCESSED' }]);
    expect(
      await sql(t.db.url, `select count(*)::int as n from payments where wompi_reference = $1`, [reference]),
    ).toEqual([{ n: 0 }]);
    expect(bus.messages.filter((m) => m.event.subject === reference).map((m) => m.event.type)).toEqual([
      'transaction.external',
    ]);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/payments_external_transactions_total\{status="APPROVED"\} [1-9]/);
  });

  it('is an operator route: other callers get 403', async () => {
    expect(
      (await call(t, 'GET', '/v1/external-transactions', { authorization: `Bearer ${OTHER_API_KEY}` })).status,
    ).toBe(403);
    const bad = await call(t, 'GET', '/v1/external-transactions?status=NOPE&limit=0');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['limit', 'status']);
  });
});

describe('external transactions: EXTERNAL_PAYMENTS_OWNER claims them', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    t = await startTestApp({ env: { OPERATOR_CALLERS: TEST_CALLER, EXTERNAL_PAYMENTS_OWNER: OTHER_CALLER } });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('becomes a payment of the configured owner, fulfilled with transaction.approved, and is still announced as external', async () => {
    const reference = newReference('widget');
    const tx = await createAtWompi(t.sandbox, reference, 2_200_000);
    const approved = await waitFor(
      'transaction.approved of the claimed payment',
      async () => bus.messages.find((m) => m.event.type === 'transaction.approved' && m.event.subject === reference),
      15_000,
    );
    expect(approved.event.data).toMatchObject({
      kind: 'EXTERNAL',
      reference,
      wompi_reference: reference,
      wompi_transaction_id: tx.id,
      status: 'APPROVED',
      amount_in_cents: 2_200_000,
      payment_link_id: null,
    });
    expect(
      (await call(t, 'GET', `/v1/transactions/${approved.event.data.id}`, { authorization: `Bearer ${OTHER_API_KEY}` }))
        .body,
    ).toMatchObject({ status: 'APPROVED', kind: 'EXTERNAL' });
    expect((await call(t, 'GET', `/v1/transactions/${approved.event.data.id}`)).status).toBe(404);
    const external = await waitFor(
      'transaction.external of the claimed payment',
      async () => bus.messages.find((m) => m.event.type === 'transaction.external' && m.event.subject === reference),
      15_000,
    );
    expect(external.event.data).toMatchObject({
      wompi_transaction_id: tx.id,
      status: 'APPROVED',
      payment_id: approved.event.data.id,
    });
  });
});
