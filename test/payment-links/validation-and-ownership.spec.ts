/* Bad input to the payment-link API: a 400 naming every field at fault and nothing kept;
 * another caller's link is 404; writes are idempotent. */
import { randomUUID } from 'node:crypto';
import { OTHER_API_KEY, startTestApp, TestApp, waitFor } from '../support/app';
import { sql } from '../fulfilment/support';
import { call, Json, LINK, payLink } from './support';

describe('payment links: validation, ownership, idempotency', () => {
  let t: TestApp;
  beforeAll(async () => {
    // no webhooks: what the API does on its own (the confirm after a link payment's redirect)
    t = await startTestApp({ wireWebhooks: false });
  });
  afterAll(() => t?.close());

  const links = async () => (await sql<{ n: number }>(t.db.url, `select count(*)::int as n from payment_links`))[0].n;

  it.each<[string, Json, string[]]>([
    ['missing required fields', { name: 'x' }, ['description', 'single_use']],
    ['an amount below COP 1,500', { ...LINK, amount_in_cents: 100 }, ['amount_in_cents']],
    ['a past expires_at', { ...LINK, expires_at: '2020-01-01T00:00:00.000Z' }, ['expires_at']],
    ['expires_at not in UTC', { ...LINK, expires_at: '2030-01-01T00:00:00-05:00' }, ['expires_at']],
    [
      'a non-https redirect and a long sku',
      { ...LINK, redirect_url: 'javascript:alert(1)', sku: 'x'.repeat(37) },
      ['redirect_url', 'sku'],
    ],
    ['another currency, metadata not an object', { ...LINK, currency: 'USD', metadata: [1] }, ['currency', 'metadata']],
    ['an unknown field', { ...LINK, taxes: [] }, ['taxes']],
  ])('refuses %s with 400 naming each field, keeping nothing', async (_what, body, fields) => {
    const before = await links();
    const r = await call(t, 'POST', '/v1/payment-links', { body, key: randomUUID() });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Object.keys(r.body.errors).sort()).toEqual(fields);
    expect(await links()).toBe(before);
  });

  it('requires an Idempotency-Key on writes and replays the first answer for the same key', async () => {
    expect((await call(t, 'POST', '/v1/payment-links', { body: LINK })).status).toBe(400);
    const key = randomUUID();
    const first = await call(t, 'POST', '/v1/payment-links', { body: LINK, key });
    expect(first.status).toBe(201);
    const again = await call(t, 'POST', '/v1/payment-links', { body: LINK, key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await call(t, 'POST', '/v1/payment-links', { body: { ...LINK, name: 'otro' }, key })).status).toBe(422);
    expect(
      await sql(t.db.url, `select count(*)::int as n from payment_links where idempotency_key = $1`, [key]),
    ).toEqual([{ n: 1 }]);
  });

  it("PATCH takes only {active:false}; another caller's link is 404 and stays active", async () => {
    const link = (await call(t, 'POST', '/v1/payment-links', { body: LINK, key: randomUUID() })).body;
    const on = await call(t, 'PATCH', `/v1/payment-links/${link.id}`, { body: { active: true }, key: randomUUID() });
    expect(on.status).toBe(400);
    expect(Object.keys(on.body.errors)).toEqual(['active']);
    const extra = await call(t, 'PATCH', `/v1/payment-links/${link.id}`, {
      body: { active: false, name: 'x' },
      key: randomUUID(),
    });
    expect(Object.keys(extra.body.errors)).toEqual(['name']);
    const theirs = await call(t, 'PATCH', `/v1/payment-links/${link.id}`, {
      body: { active: false },
      key: randomUUID(),
      authorization: `Bearer ${OTHER_API_KEY}`,
    });
    expect(theirs.status).toBe(404);
    expect((await call(t, 'GET', `/v1/payment-links/${link.id}`)).body.active).toBe(true);
    expect((await call(t, 'GET', '/v1/payment-links/not-a-uuid')).status).toBe(400);
    expect((await call(t, 'GET', `/v1/payment-links/${randomUUID()}`)).status).toBe(404);
  });

  it("confirm after a link payment's redirect claims it for the link owner before any webhook; another caller gets 404", async () => {
    const link = (await call(t, 'POST', '/v1/payment-links', { body: LINK, key: randomUUID() })).body;
    const tx = await payLink(t.sandbox, link.wompi_payment_link_id, { status: 'APPROVED' });
    expect(
      (
        await call(t, 'POST', '/v1/transactions/confirm', {
          body: { wompi_transaction_id: tx.id },
          authorization: `Bearer ${OTHER_API_KEY}`,
        })
      ).status,
    ).toBe(404);
    const confirmed = await waitFor('the link payment confirmed APPROVED', async () => {
      const r = await call(t, 'POST', '/v1/transactions/confirm', { body: { wompi_transaction_id: tx.id } });
      return r.status === 200 && r.body.status === 'APPROVED' && r.body;
    });
    expect(confirmed).toMatchObject({
      kind: 'PAYMENT_LINK',
      payment_link_id: link.id,
      reference: tx.reference,
      wompi_transaction_id: tx.id,
    });
    expect(
      await sql(t.db.url, `select count(*)::int as n from payments where payment_link_id = $1`, [link.id]),
    ).toEqual([{ n: 1 }]);
  });
});
