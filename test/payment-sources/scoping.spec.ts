/* A payment source belongs to the API key that created it through us: another caller cannot
 * read, void or charge it (404, as if it did not exist). A source made at Wompi directly, not
 * through this API, has no owner on record and is charged by nobody (the same 404). */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { acceptanceTokens, Api, cardToken, createBody } from '../transactions/support';
import { cardSourceBody } from './support';

describe('payment sources: caller scoping', () => {
  let t: TestApp;
  let api: Api;
  let other: Api;

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
    other = Api.other(t);
  });
  afterAll(async () => t?.close());

  it('another API key gets 404 reading, voiding or charging the source, and no payment is recorded for it', async () => {
    const created = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    const wompiId = created.body.wompi_payment_source_id as number;

    expect((await other.get(`/v1/payment-sources/${id}`)).status).toBe(404);
    expect((await other.post(`/v1/payment-sources/${id}/void`, {}, randomUUID())).status).toBe(404);
    expect((await api.get(`/v1/payment-sources/${id}`)).body.status).toBe('AVAILABLE');

    const charge = await other.create(await createBody(t.sandbox, { payment_source_id: wompiId }));
    expect(charge.status).toBe(404);
    expect(charge.body).toMatchObject({
      code: 'NOT_FOUND',
      errors: { payment_source_id: ['no payment source with this id belongs to your API key'] },
    });
    expect(await pgQuery(t.db.url, `select 1 from payments where caller = 'billing'`)).toHaveLength(0);

    // the owner still can
    const mine = await api.create(await createBody(t.sandbox, { payment_source_id: wompiId }));
    expect(mine.status).toBe(201);
    expect((await api.settle(String(mine.body.id), ['APPROVED', 'DECLINED', 'ERROR'])).status).toBe('APPROVED');
  });

  it('the same Idempotency-Key under two API keys makes two independent sources', async () => {
    const key = randomUUID();
    const a = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), key);
    const b = await other.post('/v1/payment-sources', await cardSourceBody(t.sandbox), key);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect((await other.get(`/v1/payment-sources/${String(b.body.id)}`)).status).toBe(200);
    expect((await other.get(`/v1/payment-sources/${String(a.body.id)}`)).status).toBe(404);
  });

  it('a source created at Wompi directly (no owner on record) is charged by no caller: 404, as if it did not exist', async () => {
    const res = await fetch(`${t.sandbox.baseUrl}/payment_sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.sandbox.keys.privateKey}` },
      body: JSON.stringify({
        type: 'CARD',
        token: await cardToken(t.sandbox),
        customer_email: 'buyer@example.com',
        ...(await acceptanceTokens(t.sandbox)),
      }),
    });
    const direct = ((await res.json()) as { data: { id: number } }).data;
    for (const caller of [api, other]) {
      const charge = await caller.create(await createBody(t.sandbox, { payment_source_id: direct.id }));
      expect(charge.status).toBe(404);
      expect(charge.body).toMatchObject({
        code: 'NOT_FOUND',
        errors: { payment_source_id: ['no payment source with this id belongs to your API key'] },
      });
    }
  });
});
