import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, Json, Receiver, startFast, waitFor, waitForStatus } from './helpers';

/** Admin POST /__sandbox/payment_links/:id/pay: a payer paying a link on Wompi's checkout page. */
describe('sandbox: paying a payment link', () => {
  let sb: RunningSandbox;
  let rx: Receiver;
  beforeAll(async () => {
    rx = await new Receiver().start();
    sb = await startFast({ eventsUrl: rx.url });
  });
  afterAll(async () => {
    await sb.close();
    await rx.close();
  });

  const link = async (over: Json = {}): Promise<Json> => {
    const r = await call(sb, 'POST', '/payment_links', {
      key: sb.keys.privateKey,
      body: {
        name: 'Camiseta',
        description: 'Talla M',
        single_use: false,
        collect_shipping: false,
        currency: 'COP',
        ...over,
      },
    });
    expect(r.status).toBe(201);
    return r.body.data;
  };

  it('makes a transaction carrying payment_link_id and a Wompi-generated reference, finalised with its event', async () => {
    const l = await link({ amount_in_cents: 5_000_000, redirect_url: 'https://tienda.example.com/gracias' });
    const r = await call(sb, 'POST', `/__sandbox/payment_links/${l.id}/pay`, { body: { status: 'APPROVED' } });
    expect(r.status).toBe(201);
    const tx = r.body.data;
    expect(tx).toMatchObject({
      status: 'PENDING',
      payment_link_id: l.id,
      amount_in_cents: 5_000_000,
      currency: 'COP',
      redirect_url: 'https://tienda.example.com/gracias',
    });
    expect(tx.reference).toMatch(new RegExp(`^${l.id}_\\d+_[A-Za-z0-9]{8}$`));
    await waitForStatus(sb, tx.id, 'APPROVED');
    const event = await waitFor(
      () => rx.received.find((e) => e.body.data.transaction.id === tx.id),
      15_000,
      'the link payment webhook',
    );
    expect(event.body.data.transaction).toMatchObject({
      payment_link_id: l.id,
      reference: tx.reference,
      status: 'APPROVED',
    });
  });

  it("takes the payer's amount for an open-amount link, and refuses none or too little", async () => {
    const l = await link();
    expect((await call(sb, 'POST', `/__sandbox/payment_links/${l.id}/pay`, { body: {} })).body.error.messages).toEqual({
      amount_in_cents: ['No está presente'],
    });
    expect(
      (await call(sb, 'POST', `/__sandbox/payment_links/${l.id}/pay`, { body: { amount_in_cents: 100 } })).status,
    ).toBe(422);
    const ok = await call(sb, 'POST', `/__sandbox/payment_links/${l.id}/pay`, {
      body: { amount_in_cents: 2_000_000, status: 'DECLINED' },
    });
    expect(ok.body.data).toMatchObject({ amount_in_cents: 2_000_000, payment_link_id: l.id });
    await waitForStatus(sb, ok.body.data.id, 'DECLINED');
  });

  it('answers 404 for an unknown link and 422 for an unknown status', async () => {
    expect((await call(sb, 'POST', '/__sandbox/payment_links/test_nope00/pay', { body: {} })).status).toBe(404);
    const l = await link({ amount_in_cents: 5_000_000 });
    expect(
      (await call(sb, 'POST', `/__sandbox/payment_links/${l.id}/pay`, { body: { status: 'VOIDED' } })).status,
    ).toBe(422);
  });
});
