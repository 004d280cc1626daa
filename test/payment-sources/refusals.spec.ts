/* Wompi refuses a payment source: 422 (or 503 when it provably never got it) and nothing stays
 * behind — no payment_sources row, no consent row. A lost answer keeps the row UNKNOWN and is
 * never re-posted under the same key. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, sandboxFaults } from '../transactions/support';
import { cardSourceBody, NEQUI_DECLINES, nequiSourceBody, wompiSource } from './support';

describe('payment sources: refusals', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    // a short timeout so the lost-answer case is quick
    t = await startTestApp({ wireWebhooks: false, env: { WOMPI_TIMEOUT_MS: '400' } });
    api = new Api(t);
  });
  afterEach(async () => sandboxFaults(t.sandbox, {}));
  afterAll(async () => t?.close());

  const kept = async () => ({
    sources: (await pgQuery(t.db.url, 'select 1 from payment_sources')).length,
    consents: (await pgQuery(t.db.url, 'select 1 from consents where payment_source_id is not null')).length,
  });

  it('a Nequi token the buyer declined → 422 "La fuente de pago ha sido declinada", nothing kept', async () => {
    const r = await api.post('/v1/payment-sources', await nequiSourceBody(t.sandbox, NEQUI_DECLINES), randomUUID());
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ code: 'GATEWAY_REJECTED', reason: 'La fuente de pago ha sido declinada' });
    expect(await kept()).toEqual({ sources: 0, consents: 0 });
  });

  it("a card token Wompi does not know → 422 with Wompi's field message, nothing kept", async () => {
    const r = await api.post(
      '/v1/payment-sources',
      await cardSourceBody(t.sandbox, { token: 'tok_test_5113_00000000000000000000000000000000' }),
      randomUUID(),
    );
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'GATEWAY_REJECTED', errors: { token: [expect.any(String)] } });
    expect(await kept()).toEqual({ sources: 0, consents: 0 });
  });

  it('a used acceptance token → 422 naming acceptance_token, nothing kept', async () => {
    const body = await cardSourceBody(t.sandbox);
    expect((await api.post('/v1/payment-sources', body, randomUUID())).status).toBe(201);
    const before = await kept();
    const r = await api.post(
      '/v1/payment-sources',
      { ...body, token: (await cardSourceBody(t.sandbox)).token },
      randomUUID(),
    );
    expect(r.status).toBe(422);
    expect(r.body.errors).toHaveProperty('acceptance_token');
    expect(await kept()).toEqual(before);
    await pgQuery(t.db.url, 'delete from payment_sources');
  });

  it('Wompi rate-limiting (429, provably not processed) → 503 with Retry-After, nothing kept', async () => {
    await sandboxFaults(t.sandbox, {
      fail_next: { count: 1, status: 429, method: 'POST', path: '/v1/payment_sources', retry_after_s: 7 },
    });
    const r = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    expect(r.status).toBe(503);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await kept()).toEqual({ sources: 0, consents: 0 });
  });

  it('a lost answer → 504 naming our UNKNOWN row; the same key is not re-posted; GET shows UNKNOWN', async () => {
    const before = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    const lastWompiId = before.body.wompi_payment_source_id as number;
    const key = randomUUID();
    const body = await cardSourceBody(t.sandbox);
    await sandboxFaults(t.sandbox, {
      hang_next: { count: 1, method: 'POST', path: '/v1/payment_sources', apply: true },
    });
    const r = await api.post('/v1/payment-sources', body, key);
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({ code: 'GATEWAY_TIMEOUT', reason: 'outcome_unknown', current_status: 'UNKNOWN' });
    const id = String(r.body.payment_source_id);
    const [row] = await pgQuery<{ status: string; wompi_payment_source_id: string | null }>(
      t.db.url,
      'select status, wompi_payment_source_id from payment_sources where id = $1',
      [id],
    );
    expect(row).toEqual({ status: 'UNKNOWN', wompi_payment_source_id: null });
    // the consent evidence stays: Wompi may hold the source
    expect((await pgQuery(t.db.url, 'select 1 from consents where payment_source_id = $1', [id])).length).toBe(1);

    await sandboxFaults(t.sandbox, {});
    const again = await api.post('/v1/payment-sources', body, key);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE', reason: 'outcome_unknown', payment_source_id: id });
    const read = await api.get(`/v1/payment-sources/${id}`);
    expect(read.body).toMatchObject({ id, status: 'UNKNOWN', wompi_payment_source_id: null, public_data: null });
    expect((await api.post(`/v1/payment-sources/${id}/void`, {}, randomUUID())).status).toBe(409);
    // the held request did create one at Wompi (apply: true, sequential ids); the retry made none
    expect(await wompiSource(t.sandbox, lastWompiId + 1)).toMatchObject({ type: 'CARD' });
    expect(await wompiSource(t.sandbox, lastWompiId + 2)).toBeUndefined();
  });
});
