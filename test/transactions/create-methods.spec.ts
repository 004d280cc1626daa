/* POST /v1/transactions, each Wompi method's happy path, against the sandbox over HTTP. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import {
  Api,
  APPROVED_CARD,
  cardBody,
  cardToken,
  acceptanceTokens,
  createBody,
  DECLINED_CARD,
  sandboxDecide,
} from './support';

type Json = Record<string, unknown>;

describe('POST /v1/transactions: every method', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('card 4242 is created PENDING and ends APPROVED, with consent evidence and metadata echoed', async () => {
    const body = await cardBody(t.sandbox, APPROVED_CARD, { metadata: { order_id: 'ord_1' } });
    const r = await api.create(body);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      status: 'PENDING',
      payment_method_type: 'CARD',
      amount_in_cents: 2_490_000,
      currency: 'COP',
      metadata: { order_id: 'ord_1' },
    });
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.reference).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(typeof r.body.wompi_transaction_id).toBe('string');

    const final = await api.settle(String(r.body.id), ['APPROVED']);
    expect(final.status).toBe('APPROVED');

    const consents = await pgQuery<{
      caller: string;
      acceptance_permalink: string;
      personal_data_permalink: string;
      acceptance_token_sha256: string;
    }>(
      t.db.url,
      `select caller, acceptance_permalink, personal_data_permalink, acceptance_token_sha256 from consents where payment_id = $1`,
      [r.body.id],
    );
    expect(consents).toHaveLength(1);
    expect(consents[0].caller).toBe('orders');
    expect(consents[0].acceptance_permalink).toMatch(/^https:\/\/.+\.pdf$/);
    expect(consents[0].personal_data_permalink).toMatch(/^https:\/\/.+\.pdf$/);
    expect(consents[0].acceptance_token_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('card 4111 ends DECLINED', async () => {
    const r = await api.create(await cardBody(t.sandbox, DECLINED_CARD));
    expect(r.status).toBe(201);
    const final = await api.settle(String(r.body.id), ['DECLINED']);
    expect(final.status_message).toBeTruthy();
  });

  it('PSE answers with async_payment_url and ends APPROVED with bank "1"', async () => {
    const r = await api.create(
      await createBody(t.sandbox, {
        payment_method: {
          type: 'PSE',
          user_type: 0,
          user_legal_id_type: 'CC',
          user_legal_id: '1999888777',
          financial_institution_code: '1',
          payment_description: 'Order 1',
        },
        customer_data: { full_name: 'Juana Perez', phone_number: '573001234567' },
      }),
    );
    expect(r.status).toBe(201);
    expect(r.body.payment_method_type).toBe('PSE');
    expect(r.body.async_payment_url).toMatch(/^https?:\/\/.+pse/);
    expect((r.body.next_action as Json).async_payment_url).toBe(r.body.async_payment_url);
    await api.settle(String(r.body.id), ['APPROVED']);
  });

  it('Nequi 3991111111 ends APPROVED', async () => {
    const r = await api.create(
      await createBody(t.sandbox, { payment_method: { type: 'NEQUI', phone_number: '3991111111' } }),
    );
    expect(r.status).toBe(201);
    expect(r.body.payment_method_type).toBe('NEQUI');
    await api.settle(String(r.body.id), ['APPROVED']);
  });

  it('Bancolombia transfer answers with async_payment_url; sandbox_status decides', async () => {
    const r = await api.create(
      await createBody(t.sandbox, {
        payment_method: {
          type: 'BANCOLOMBIA_TRANSFER',
          user_type: 'PERSON',
          payment_description: 'Order 1',
          sandbox_status: 'APPROVED',
        },
      }),
    );
    expect(r.status).toBe(201);
    expect(r.body.async_payment_url).toMatch(/bancolombia_transfer/);
    await api.settle(String(r.body.id), ['APPROVED']);
  });

  it('Bancolombia QR answers with the QR data', async () => {
    const r = await api.create(
      await createBody(t.sandbox, {
        payment_method: { type: 'BANCOLOMBIA_QR', payment_description: 'Order 1', sandbox_status: 'DECLINED' },
      }),
    );
    expect(r.status).toBe(201);
    const next = r.body.next_action as Json;
    expect(typeof next.qr_id).toBe('string');
    expect(typeof next.qr_image).toBe('string');
    await api.settle(String(r.body.id), ['DECLINED']);
  });

  it('Bancolombia collect answers with the agreement code and intention id; the payer decides later', async () => {
    const r = await api.create(await createBody(t.sandbox, { payment_method: { type: 'BANCOLOMBIA_COLLECT' } }));
    expect(r.status).toBe(201);
    const next = r.body.next_action as Json;
    expect(next.business_agreement_code).toBeTruthy();
    expect(next.payment_intention_identifier).toBeTruthy();
    await sandboxDecide(t.sandbox, String(r.body.wompi_transaction_id), 'APPROVED');
    await api.settle(String(r.body.id), ['APPROVED']);
  });

  it('Daviplata answers with the OTP urls', async () => {
    const r = await api.create(
      await createBody(t.sandbox, {
        payment_method: {
          type: 'DAVIPLATA',
          user_legal_id_type: 'CC',
          user_legal_id: '1999888777',
          payment_description: 'Order 1',
        },
      }),
    );
    expect(r.status).toBe(201);
    const next = r.body.next_action as Json;
    expect(next.url).toBeTruthy();
    expect(next.url_services).toBeTruthy();
    expect(r.body.status).toBe('PENDING');
  });

  it('PCOL answers with async_payment_url and ends APPROVED', async () => {
    const r = await api.create(
      await createBody(t.sandbox, { payment_method: { type: 'PCOL', sandbox_status: 'APPROVED_ONLY_POINTS' } }),
    );
    expect(r.status).toBe(201);
    expect(r.body.async_payment_url).toMatch(/pcol/);
    await api.settle(String(r.body.id), ['APPROVED']);
  });

  it('a card payment source is charged with its installments', async () => {
    // only sources saved through this service can be charged (docs/api.md#payment-sources)
    const source = await api.post(
      '/v1/payment-sources',
      {
        type: 'CARD',
        token: await cardToken(t.sandbox, APPROVED_CARD),
        customer_email: 'buyer@example.com',
        ...(await acceptanceTokens(t.sandbox)),
      },
      randomUUID(),
    );
    expect(source.status).toBe(201);
    const r = await api.create(
      await createBody(t.sandbox, { payment_source_id: source.body.wompi_payment_source_id, installments: 3 }),
    );
    expect(r.status).toBe(201);
    expect(r.body.payment_method_type).toBe('CARD');
    await api.settle(String(r.body.id), ['APPROVED']);
  });
});
