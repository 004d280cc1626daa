/* POST /v1/checkout-sessions: Web Checkout / Widget parameters with the server-side integrity
 * signature — verified here with an independent SHA-256 — and the ready checkout URL. */
import { createHash } from 'node:crypto';
import { wompiReferenceFor } from '../../src/transactions/references';
import { OTHER_API_KEY, OTHER_CALLER, startTestApp, TEST_CALLER, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { newKey, post, session } from '../idempotency/helpers';

const PATH = '/v1/checkout-sessions';
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('POST /v1/checkout-sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs amount, reference, currency and expiration server-side and builds the checkout URL and widget', async () => {
    const reference = `order-${Date.now()}`;
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const body = {
      amount_in_cents: 2_490_000,
      currency: 'COP',
      reference,
      redirect_url: 'https://shop.example.co/payments/return?order=A-1&lang=es',
      expiration_time: expiration,
      customer_data: {
        email: 'buyer@example.com',
        full_name: 'Juana Pérez',
        phone_number: '3001234567',
        phone_number_prefix: '+57',
        legal_id: '1999888777',
        legal_id_type: 'CC',
      },
      metadata: { order_id: 'A-1', lines: [{ sku: 'X', qty: 2 }] },
    };
    const r = await post(t, PATH, body, { key: newKey() });
    expect(r.status).toBe(201);
    const s = r.body;
    const secret = t.sandbox.keys.integritySecret;
    // Wompi sees the reference derived from (caller, reference): unique per merchant, not choosable by another caller
    const wompiReference = wompiReferenceFor(TEST_CALLER, reference);
    expect(s).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reference,
      wompi_reference: wompiReference,
      amount_in_cents: 2_490_000,
      currency: 'COP',
      public_key: t.sandbox.keys.publicKey,
      redirect_url: body.redirect_url,
      expiration_time: expiration,
      customer_data: body.customer_data,
      status: 'PENDING',
      metadata: body.metadata,
    });
    // docs/wompi.md#integrity-signature: sha256(reference + amount_in_cents + currency + expiration_time + secret), over Wompi's reference
    expect(s.signature.integrity).toBe(sha256(`${wompiReference}2490000COP${expiration}${secret}`));

    const url = new URL(s.checkout_url);
    const base = new URL(t.config.wompi.checkoutUrl);
    expect(url.origin + url.pathname).toBe(base.origin + base.pathname);
    const q = url.searchParams;
    expect(Object.fromEntries(q.entries())).toEqual({
      'public-key': t.sandbox.keys.publicKey,
      currency: 'COP',
      'amount-in-cents': '2490000',
      reference: wompiReference,
      'signature:integrity': s.signature.integrity,
      'redirect-url': body.redirect_url,
      'expiration-time': expiration,
      'customer-data:email': 'buyer@example.com',
      'customer-data:full-name': 'Juana Pérez',
      'customer-data:phone-number': '3001234567',
      'customer-data:phone-number-prefix': '+57',
      'customer-data:legal-id': '1999888777',
      'customer-data:legal-id-type': 'CC',
    });
    // the redirect URL's own query survives as one encoded parameter
    expect(s.checkout_url).toContain(`redirect-url=${encodeURIComponent(body.redirect_url)}`);

    expect(s.widget).toMatchObject({
      'data-render': 'button',
      'data-public-key': t.sandbox.keys.publicKey,
      'data-currency': 'COP',
      'data-amount-in-cents': '2490000',
      'data-reference': wompiReference,
      'data-signature:integrity': s.signature.integrity,
      'data-redirect-url': body.redirect_url,
      'data-expiration-time': expiration,
      'data-customer-data:email': 'buyer@example.com',
    });

    const [row] = await pgQuery<Record<string, unknown>>(t.db.url, `select * from payments where id = $1`, [s.id]);
    expect(row).toMatchObject({
      reference,
      wompi_reference: wompiReference,
      caller: TEST_CALLER,
      kind: 'CHECKOUT',
      status: 'PENDING',
      amount_in_cents: '2490000',
      currency: 'COP',
      customer_email: 'buyer@example.com',
      redirect_url: body.redirect_url,
      metadata: body.metadata,
    });
    expect(new Date(row.expiration_time as string).toISOString()).toBe(expiration);
    const history = await pgQuery(
      t.db.url,
      `select from_status, to_status, source from payment_status_history where payment_id = $1`,
      [s.id],
    );
    expect(history).toEqual([{ from_status: null, to_status: 'PENDING', source: 'api' }]);
  });

  it('without reference and expiration: a reference derived from the key, a signature without expiration', async () => {
    const key = newKey();
    const r = await post(t, PATH, session({ amount_in_cents: 150_000 }), { key });
    expect(r.status).toBe(201);
    expect(r.body.reference).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(r.body.expiration_time).toBeNull();
    expect(r.body.redirect_url).toBeNull();
    expect(r.body.customer_data).toBeNull();
    expect(r.body.metadata).toEqual({});
    expect(r.body.signature.integrity).toBe(
      sha256(`${r.body.wompi_reference}150000COP${t.sandbox.keys.integritySecret}`),
    );
    const q = new URL(r.body.checkout_url).searchParams;
    expect(q.has('expiration-time')).toBe(false);
    expect(q.has('redirect-url')).toBe(false);

    const other = await post(t, PATH, session({ amount_in_cents: 150_000 }), { key: newKey() });
    expect(other.body.reference).not.toBe(r.body.reference);
  });

  it('the derived reference is fixed to (caller, key): a retry whose idempotency record was lost finds the same session', async () => {
    const key = newKey();
    const first = await post(t, PATH, session({ metadata: { n: 1 } }), { key });
    await pgQuery(t.db.url, `delete from idempotency_keys where caller = $1 and key = $2`, [TEST_CALLER, key]);
    const again = await post(t, PATH, session({ metadata: { n: 1 } }), { key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.reference).toBe(first.body.reference);
    const rows = await pgQuery(t.db.url, `select 1 from payments where reference = $1`, [first.body.reference]);
    expect(rows).toHaveLength(1);
  });

  it("a reference already used by another of the caller's payments → 409 naming reference; another caller's same reference is its own session", async () => {
    const reference = `dup-${Date.now()}`;
    const mine = await post(t, PATH, session({ reference }), { key: newKey() });
    expect(mine.status).toBe(201);

    const otherAmount = await post(t, PATH, session({ reference, amount_in_cents: 3_000_000 }), { key: newKey() });
    expect(otherAmount.status).toBe(409);
    expect(otherAmount.headers.get('content-type')).toContain('application/problem+json');
    expect(Object.keys(otherAmount.body.errors)).toEqual(['reference']);

    // per-caller references: no 409, nothing revealed, a distinct payment and a distinct Wompi reference
    const otherCaller = await post(t, PATH, session({ reference }), {
      key: newKey(),
      auth: { Authorization: `Bearer ${OTHER_API_KEY}` },
    });
    expect(otherCaller.status).toBe(201);
    expect(otherCaller.body.reference).toBe(reference);
    expect(otherCaller.body.id).not.toBe(mine.body.id);
    expect(otherCaller.body.wompi_reference).toBe(wompiReferenceFor(OTHER_CALLER, reference));
    expect(otherCaller.body.wompi_reference).not.toBe(mine.body.wompi_reference);
    expect(new URL(otherCaller.body.checkout_url).searchParams.get('reference')).toBe(otherCaller.body.wompi_reference);
  });

  it('a reference whose checkout is already paid → 409', async () => {
    const reference = `paid-${Date.now()}`;
    expect((await post(t, PATH, session({ reference }), { key: newKey() })).status).toBe(201);
    await pgQuery(t.db.url, `update payments set status = 'APPROVED' where reference = $1`, [reference]);
    const r = await post(t, PATH, session({ reference }), { key: newKey() });
    expect(r.status).toBe(409);
    expect(r.body.errors.reference[0]).toContain('APPROVED');
  });

  it.each([
    ['amount below the Wompi minimum', { amount_in_cents: 149_999 }, 'amount_in_cents'],
    ['amount above the maximum', { amount_in_cents: 1_000_000_000_001 }, 'amount_in_cents'],
    ['a non-integer amount', { amount_in_cents: 150_000.5 }, 'amount_in_cents'],
    ['an amount as a string', { amount_in_cents: '150000' }, 'amount_in_cents'],
    ['another currency', { currency: 'USD' }, 'currency'],
    ['unsafe reference characters', { reference: 'order 1/2' }, 'reference'],
    ['a reference over 64 characters', { reference: 'r'.repeat(65) }, 'reference'],
    ['a plain-http redirect', { redirect_url: 'http://shop.example.co/return' }, 'redirect_url'],
    ['a redirect that is no URL', { redirect_url: 'javascript:alert(1)' }, 'redirect_url'],
    ['an expiration in the past', { expiration_time: '2020-01-01T00:00:00.000Z' }, 'expiration_time'],
    ['an expiration not in UTC', { expiration_time: '2030-01-01T00:00:00-05:00' }, 'expiration_time'],
    ['an expiration that is no date', { expiration_time: 'tomorrow' }, 'expiration_time'],
    ['metadata over 8 KiB', { metadata: { blob: 'x'.repeat(8200) } }, 'metadata'],
    ['metadata that is no object', { metadata: 'order-1' }, 'metadata'],
    ['a bad customer email', { customer_data: { email: 'nope' } }, 'customer_data.email'],
    ['a bad legal id type', { customer_data: { legal_id_type: 'XX' } }, 'customer_data.legal_id_type'],
    ['an unknown field', { amount: 1 }, 'amount'],
  ])('%s → 400 naming the field', async (_what, over, field) => {
    const r = await post(t, PATH, session(over), { key: newKey() });
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveProperty([field]);
  });

  it('refuses an expiration_time that has passed with the same rule and words as payments, storing nothing', async () => {
    const before = (await pgQuery<{ n: string }>(t.db.url, 'select count(*) as n from payments'))[0].n;
    for (const past of ['2020-01-01T00:00:00.000Z', new Date(Date.now() - 1000).toISOString()]) {
      const r = await post(t, PATH, session({ expiration_time: past }), { key: newKey() });
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual({ expiration_time: ['expiration_time must be in the future'] });
    }
    expect((await pgQuery<{ n: string }>(t.db.url, 'select count(*) as n from payments'))[0].n).toBe(before);
  });

  it('http redirect URLs are accepted for localhost', async () => {
    const r = await post(t, PATH, session({ redirect_url: 'http://localhost:5173/return' }), { key: newKey() });
    expect(r.status).toBe(201);
    expect(new URL(r.body.checkout_url).searchParams.get('redirect-url')).toBe('http://localhost:5173/return');
  });

  it('is documented in OpenAPI with the Idempotency-Key header and examples', async () => {
    /* eslint-disable @typescript-eslint/no-explicit-any */
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as {
      paths: Record<string, any>;
      components: { schemas: Record<string, any> };
    };
    /* eslint-enable @typescript-eslint/no-explicit-any */
    const op = doc.paths[PATH].post;
    expect(op.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key')).toMatchObject({
      in: 'header',
      required: true,
    });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '422']));
    expect(doc.components.schemas.CreateCheckoutSessionDto.properties.amount_in_cents.example).toBe(2_490_000);
    expect(doc.components.schemas.CheckoutSessionResponse.properties.checkout_url.example).toContain(
      'signature%3Aintegrity=',
    );
  });
});
