/* POST /v1/payment-sources under Idempotency-Key: a replay is the stored first response and
 * makes no second Wompi source — even when the idempotency record is gone. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api } from '../transactions/support';
import { cardSourceBody, wompiSource } from './support';

describe('payment sources: idempotency', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  const count = async (sql: string, params: unknown[]) =>
    Number((await pgQuery<{ n: string }>(t.db.url, sql, params))[0].n);

  it('the same key and body replays the first 201 (Idempotent-Replayed) with one row, one consent and one Wompi source', async () => {
    const key = randomUUID();
    const body = await cardSourceBody(t.sandbox);
    const first = await api.post('/v1/payment-sources', body, key);
    expect(first.status).toBe(201);
    const again = await api.post('/v1/payment-sources', body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(
      await count('select count(*) n from payment_sources where caller = $1 and idempotency_key = $2', ['orders', key]),
    ).toBe(1);
    expect(await count('select count(*) n from consents where payment_source_id = $1', [first.body.id])).toBe(1);
    // Wompi's ids are sequential: nothing was created after ours
    expect(await wompiSource(t.sandbox, (first.body.wompi_payment_source_id as number) + 1)).toBeUndefined();
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_MISMATCH', async () => {
    const key = randomUUID();
    const body = await cardSourceBody(t.sandbox);
    expect((await api.post('/v1/payment-sources', body, key)).status).toBe(201);
    const other = await api.post('/v1/payment-sources', { ...body, customer_email: 'other@example.com' }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
  });

  it('a retry that outlived its idempotency record lands on the same source, never a second one', async () => {
    const key = randomUUID();
    const body = await cardSourceBody(t.sandbox);
    const first = await api.post('/v1/payment-sources', body, key);
    await pgQuery(t.db.url, 'delete from idempotency_keys where caller = $1 and key = $2', ['orders', key]);
    const again = await api.post('/v1/payment-sources', body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toEqual(first.body);
    expect(await wompiSource(t.sandbox, (first.body.wompi_payment_source_id as number) + 1)).toBeUndefined();
  });

  it('requires the Idempotency-Key header', async () => {
    const r = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
  });
});
