/* A payment link paid in the sandbox becomes a payment of the link's owner, with one
 * transaction.approved carrying the link id; late payments of expired or deactivated links are
 * recorded and flagged, never dropped. */
import { randomUUID } from 'node:crypto';
import { OTHER_API_KEY, startTestApp, TestApp, waitFor } from '../support/app';
import { sandboxFaults } from '../transactions/support';
import { BusObserver, observeBus, sql } from '../fulfilment/support';
import { call, Json, LINK, payLink, wompiLink } from './support';

describe('payment links: paying a link', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    // a link's buyer can retry: its failures are held for the window (short here)
    t = await startTestApp({ env: { BUYER_RETRY_WINDOW_S: '2' } });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  const createLink = async (extra: Json = {}): Promise<Json> => {
    const r = await call(t, 'POST', '/v1/payment-links', {
      body: { ...LINK, metadata: { order_id: 'A-1001' }, ...extra },
      key: randomUUID(),
    });
    expect(r.status).toBe(201);
    return r.body;
  };
  const paymentOfLink = (linkId: string) =>
    waitFor(
      `a payment of link ${linkId}`,
      async () =>
        (
          await sql<{ id: string; status: string }>(
            t.db.url,
            `select id, status from payments where payment_link_id = $1`,
            [linkId],
          )
        )[0],
      15_000,
      100,
    );
  const settled = () =>
    waitFor(
      'every inbox event settled',
      async () =>
        (
          await sql<{ open: number }>(
            t.db.url,
            `select count(*)::int as open from webhook_inbox where status not in ('PROCESSED','IGNORED','DEAD')`,
          )
        )[0].open === 0,
      15_000,
      100,
    );

  it('creates a link owned by the calling key, with its checkout URL', async () => {
    const link = await createLink();
    expect(link).toMatchObject({
      status: 'ACTIVE',
      active: true,
      single_use: false,
      amount_in_cents: 5_000_000,
      currency: 'COP',
      metadata: { order_id: 'A-1001' },
    });
    expect(link.checkout_url).toBe(`https://checkout.wompi.co/l/${link.wompi_payment_link_id}`);
    expect(await wompiLink(t.sandbox, link.wompi_payment_link_id)).toMatchObject({
      active: true,
      name: LINK.name,
      amount_in_cents: 5_000_000,
    });
    expect((await call(t, 'GET', `/v1/payment-links/${link.id}`)).body).toEqual(link);
    expect(
      (await call(t, 'GET', `/v1/payment-links/${link.id}`, { authorization: `Bearer ${OTHER_API_KEY}` })).status,
    ).toBe(404);
    expect((await call(t, 'GET', '/v1/payment-links')).body.data.map((l: Json) => l.id)).toContain(link.id);
    expect(
      (await call(t, 'GET', '/v1/payment-links', { authorization: `Bearer ${OTHER_API_KEY}` })).body.data.map(
        (l: Json) => l.id,
      ),
    ).not.toContain(link.id);
  });

  it('a link paid in the sandbox yields a payment of the link owner and one transaction.approved carrying the link id', async () => {
    await sandboxFaults(t.sandbox, { webhooks: { duplicate: true } });
    const link = await createLink();
    const tx = await payLink(t.sandbox, link.wompi_payment_link_id, { status: 'APPROVED' });
    const approved = await waitFor(
      'transaction.approved of the link payment',
      async () =>
        bus.messages.find((m) => m.event.type === 'transaction.approved' && m.event.data.payment_link_id === link.id),
      15_000,
    );
    await settled();
    expect(approved.event.subject).toBe(tx.reference);
    expect(approved.event.data).toMatchObject({
      kind: 'PAYMENT_LINK',
      payment_link_id: link.id,
      payment_link_flag: null,
      reference: tx.reference,
      wompi_reference: tx.reference,
      wompi_transaction_id: tx.id,
      status: 'APPROVED',
      amount_in_cents: 5_000_000,
      metadata: { order_id: 'A-1001' },
    });
    const payment = await call(t, 'GET', `/v1/transactions/${approved.event.data.id}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ kind: 'PAYMENT_LINK', payment_link_id: link.id, status: 'APPROVED' });
    expect(
      (await call(t, 'GET', `/v1/transactions/${approved.event.data.id}`, { authorization: `Bearer ${OTHER_API_KEY}` }))
        .status,
    ).toBe(404);
    // every delivery came twice; still one payment, one event
    expect(bus.messages.filter((m) => m.event.data.payment_link_id === link.id).map((m) => m.event.type)).toEqual([
      'transaction.approved',
    ]);
    expect(await sql(t.db.url, `select caller from payments where payment_link_id = $1`, [link.id])).toEqual([
      { caller: 'orders' },
    ]);
    expect(
      await sql(t.db.url, `select count(*)::int as n from external_transactions where wompi_transaction_id = $1`, [
        tx.id,
      ]),
    ).toEqual([{ n: 0 }]);
    await sandboxFaults(t.sandbox, { webhooks: { duplicate: false } });
  });

  it('an open-amount link takes the amount the payer chose; a declined payment is transaction.declined, after the buyer-retry window', async () => {
    const link = await createLink({ amount_in_cents: null });
    expect(link.amount_in_cents).toBeNull();
    const tx = await payLink(t.sandbox, link.wompi_payment_link_id, { status: 'DECLINED', amount_in_cents: 2_345_600 });
    const declined = await waitFor(
      'transaction.declined of the link payment',
      async () =>
        bus.messages.find((m) => m.event.type === 'transaction.declined' && m.event.data.payment_link_id === link.id),
      15_000,
    );
    expect(declined.event.data).toMatchObject({
      wompi_transaction_id: tx.id,
      amount_in_cents: 2_345_600,
      kind: 'PAYMENT_LINK',
    });
    expect(declined.event.data.retryable_until).toEqual(expect.any(String)); // held for the buyer's retry first
  });

  it('deactivates a link (PATCH {active:false}), idempotently; a payment Wompi still takes is recorded and flagged DEACTIVATED', async () => {
    const link = await createLink();
    const key = randomUUID();
    const off = await call(t, 'PATCH', `/v1/payment-links/${link.id}`, { body: { active: false }, key });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: link.id, status: 'INACTIVE', active: false });
    expect(off.body.deactivated_at).toEqual(expect.any(String));
    expect((await wompiLink(t.sandbox, link.wompi_payment_link_id)).active).toBe(false);
    const again = await call(t, 'PATCH', `/v1/payment-links/${link.id}`, { body: { active: false }, key });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(off.body);

    // a checkout page opened before the deactivation completes anyway: the money moved
    await payLink(t.sandbox, link.wompi_payment_link_id, { status: 'APPROVED' });
    const payment = await paymentOfLink(link.id);
    const view = await waitFor('the flagged payment approved', async () => {
      const r = await call(t, 'GET', `/v1/transactions/${payment.id}`);
      return r.body.status === 'APPROVED' && r.body;
    });
    expect(view).toMatchObject({ payment_link_id: link.id, payment_link_flag: 'DEACTIVATED', kind: 'PAYMENT_LINK' });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/payments_link_payments_total\{flag="DEACTIVATED"\} [1-9]/);
  });

  it('a payment made after the link expired is recorded and flagged EXPIRED', async () => {
    // far enough ahead that creating the link on a busy machine cannot outlast it
    const expiresAt = new Date(Date.now() + 5000);
    const link = await createLink({ expires_at: expiresAt.toISOString() });
    await waitFor('the link to expire', async () => Date.now() > expiresAt.getTime() + 50, 15_000);
    await payLink(t.sandbox, link.wompi_payment_link_id, { status: 'APPROVED' });
    const payment = await paymentOfLink(link.id);
    const view = await waitFor('the expired-link payment approved', async () => {
      const r = await call(t, 'GET', `/v1/transactions/${payment.id}`);
      return r.body.status === 'APPROVED' && r.body;
    });
    expect(view.payment_link_flag).toBe('EXPIRED');
  });
});
