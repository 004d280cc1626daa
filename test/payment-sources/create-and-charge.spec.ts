/* POST /v1/payment-sources happy paths against the sandbox: a CARD source and a NEQUI source
 * (a token the buyer approved), each then charged through POST /v1/transactions to APPROVED;
 * GET refreshes from Wompi; void makes it unchargeable. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, createBody, wompiTransactions } from '../transactions/support';
import { cardSourceBody, NEQUI_APPROVES, nequiSourceBody, wompiSource } from './support';

type Json = Record<string, unknown>;

describe('payment sources: create and charge', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('creates a CARD source (201, our id + Wompi id, consent recorded) and a transaction charging it ends APPROVED', async () => {
    const body = await cardSourceBody(t.sandbox);
    const r = await api.post('/v1/payment-sources', body, randomUUID());
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual([
      'created_at',
      'customer_email',
      'id',
      'public_data',
      'status',
      'type',
      'wompi_payment_source_id',
    ]);
    expect(r.body).toMatchObject({
      type: 'CARD',
      status: 'AVAILABLE',
      customer_email: 'buyer@example.com',
      public_data: { type: 'CARD' },
    });
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const wompiId = r.body.wompi_payment_source_id as number;
    expect(await wompiSource(t.sandbox, wompiId)).toMatchObject({ id: wompiId, type: 'CARD', status: 'AVAILABLE' });

    const [row] = await pgQuery<Json>(
      t.db.url,
      'select caller, wompi_payment_source_id, type, status, customer_email from payment_sources where id = $1',
      [r.body.id],
    );
    expect(row).toEqual({
      caller: 'orders',
      wompi_payment_source_id: String(wompiId),
      type: 'CARD',
      status: 'AVAILABLE',
      customer_email: 'buyer@example.com',
    });
    const consents = await pgQuery<Json>(
      t.db.url,
      'select payment_id, caller, acceptance_token_sha256, personal_data_token_sha256 from consents where payment_source_id = $1',
      [r.body.id],
    );
    expect(consents).toHaveLength(1);
    expect(consents[0]).toMatchObject({ payment_id: null, caller: 'orders' });
    expect(String(consents[0].acceptance_token_sha256)).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(consents)).not.toContain(String(body.acceptance_token));

    const charge = await api.create(await createBody(t.sandbox, { payment_source_id: wompiId, installments: 2 }));
    expect(charge.status).toBe(201);
    expect(charge.body.payment_method_type).toBe('CARD');
    expect((await api.settle(String(charge.body.id), ['APPROVED', 'DECLINED', 'ERROR'])).status).toBe('APPROVED');
  });

  it('a CARD source charged without installments is sent to Wompi with installments 1 (cards need them, docs/wompi.md#payment-sources)', async () => {
    const r = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    expect(r.status).toBe(201);
    const charge = await api.create(await createBody(t.sandbox, { payment_source_id: r.body.wompi_payment_source_id }));
    expect(charge.status).toBe(201);
    const [atWompi] = await wompiTransactions(t.sandbox, String(charge.body.wompi_reference));
    expect(atWompi.payment_method).toMatchObject({ type: 'CARD', installments: 1 });
    const chosen = await api.create(
      await createBody(t.sandbox, { payment_source_id: r.body.wompi_payment_source_id, installments: 6 }),
    );
    expect(chosen.status).toBe(201);
    expect((await wompiTransactions(t.sandbox, String(chosen.body.wompi_reference)))[0].payment_method).toMatchObject({
      installments: 6,
    });
    expect((await api.settle(String(charge.body.id), ['APPROVED', 'DECLINED', 'ERROR'])).status).toBe('APPROVED');
  });

  it('creates a NEQUI source from a token the buyer approved; public_data carries the phone; a charge ends APPROVED', async () => {
    const r = await api.post('/v1/payment-sources', await nequiSourceBody(t.sandbox), randomUUID());
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      type: 'NEQUI',
      status: 'AVAILABLE',
      public_data: { type: 'NEQUI', phone_number: NEQUI_APPROVES },
    });
    // the phone number is Wompi's to keep: our row holds no public_data
    const [row] = await pgQuery<Json>(t.db.url, 'select * from payment_sources where id = $1', [r.body.id]);
    expect(JSON.stringify(row)).not.toContain(NEQUI_APPROVES);

    const charge = await api.create(await createBody(t.sandbox, { payment_source_id: r.body.wompi_payment_source_id }));
    expect(charge.status).toBe(201);
    expect(charge.body.payment_method_type).toBe('NEQUI');
    expect((await api.settle(String(charge.body.id), ['APPROVED', 'DECLINED', 'ERROR'])).status).toBe('APPROVED');
  });

  it('GET reads the source from Wompi; void makes it VOIDED there and here, and a charge is then refused with 409', async () => {
    const created = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    const id = String(created.body.id);
    const read = await api.get(`/v1/payment-sources/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const voided = await api.post(`/v1/payment-sources/${id}/void`, undefined, randomUUID());
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ id, status: 'VOIDED' });
    expect(await wompiSource(t.sandbox, created.body.wompi_payment_source_id as number)).toMatchObject({
      status: 'VOIDED',
    });
    expect((await api.get(`/v1/payment-sources/${id}`)).body.status).toBe('VOIDED');
    // voiding again answers it as it is
    expect((await api.post(`/v1/payment-sources/${id}/void`, {}, randomUUID())).body).toMatchObject({
      status: 'VOIDED',
    });

    const charge = await api.create(
      await createBody(t.sandbox, { payment_source_id: created.body.wompi_payment_source_id }),
    );
    expect(charge.status).toBe(409);
    expect(charge.body).toMatchObject({
      code: 'INVALID_STATE',
      reason: 'payment_source_status',
      errors: { payment_source_id: [expect.any(String)] },
    });
  });

  it('a GET whose Wompi status moved copies it to our row', async () => {
    const created = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    // voided at Wompi behind our back (e.g. from the dashboard)
    const put = await fetch(
      `${t.sandbox.baseUrl}/payment_sources/${String(created.body.wompi_payment_source_id)}/void`,
      { method: 'PUT', headers: { authorization: `Bearer ${t.sandbox.keys.privateKey}` } },
    );
    expect(put.status).toBe(200);
    expect((await api.get(`/v1/payment-sources/${String(created.body.id)}`)).body.status).toBe('VOIDED');
    const [row] = await pgQuery<{ status: string }>(t.db.url, 'select status from payment_sources where id = $1', [
      created.body.id,
    ]);
    expect(row.status).toBe('VOIDED');
  });
});
