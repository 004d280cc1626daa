/* POST /v1/transactions/:id/void takes no body, or `{}`: a full void. `amount_in_cents` (a
 * partial void, unconfirmed at Wompi) and any other field are 400 naming the field, and nothing
 * reaches Wompi. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { Api, APPROVED_CARD, cardBody } from './support';

describe('void body', () => {
  let t: TestApp;
  let api: Api;
  let approvedId: string;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
    const r = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    approvedId = String(r.body.id);
    await api.settle(approvedId, ['APPROVED']);
  });
  afterAll(async () => t?.close());

  it('refuses amount_in_cents with 400 naming it, and the payment stays APPROVED', async () => {
    const r = await api.post(`/v1/transactions/${approvedId}/void`, { amount_in_cents: 100_000 }, randomUUID());
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(r.body.errors as object)).toEqual(['amount_in_cents']);
    expect((r.body.errors as Record<string, string[]>).amount_in_cents[0]).toMatch(/not supported/);
    expect((await api.get(`/v1/transactions/${approvedId}`)).body.status).toBe('APPROVED');
    const atWompi = await fetch(
      `${t.sandbox.baseUrl}/transactions/${String((await api.get(`/v1/transactions/${approvedId}`)).body.wompi_transaction_id)}`,
    );
    expect(((await atWompi.json()) as { data: { status: string } }).data.status).toBe('APPROVED');
  });

  it.each([
    ['a null amount_in_cents', { amount_in_cents: null }, 'amount_in_cents'],
    ['an unknown field', { reason: 'buyer asked' }, 'reason'],
  ])('refuses %s with 400 naming it', async (_what, body, field) => {
    const r = await api.post(`/v1/transactions/${approvedId}/void`, body, randomUUID());
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors as object)).toEqual([field]);
  });

  it('an empty body (no content at all) is a full void', async () => {
    const r = await api.post(`/v1/transactions/${approvedId}/void`, undefined, randomUUID());
    expect(r.status).toBe(200);
    expect((await api.settle(approvedId, ['VOIDED'])).status).toBe('VOIDED');
  });
});
