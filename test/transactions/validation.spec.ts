/* POST /v1/transactions refusals: our validation (400 naming dotted fields), Wompi's 422
 * passed through with nothing kept, reference conflicts (409), Wompi unavailable (503). */
import { wompiReferenceFor } from '../../src/transactions/references';
import { startTestApp, TEST_CALLER, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, cardBody, createBody, sandboxFaults, wompiTransactions } from './support';

type Json = Record<string, unknown>;
type Problem = { status: number; code?: string; errors?: Record<string, string[]>; reason?: string };

describe('POST /v1/transactions: refusals', () => {
  let t: TestApp;
  let api: Api;
  const paymentCount = async () =>
    Number((await pgQuery<{ n: string }>(t.db.url, 'select count(*) as n from payments'))[0].n);

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  const refusedWith = async (body: Json, fields: string[]) => {
    const r = await api.create<Problem>(body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Object.keys(r.body.errors ?? {})).toEqual(expect.arrayContaining(fields));
    return r.body;
  };

  it('names every bad top-level field', async () => {
    const body = await cardBody(t.sandbox);
    await refusedWith(
      {
        ...body,
        amount_in_cents: 149_999,
        currency: 'USD',
        customer_email: 'nope',
        acceptance_token: 'x',
        reference: 'bad ref!',
        metadata: 'x',
        unknown_field: 1,
      },
      ['amount_in_cents', 'currency', 'customer_email', 'acceptance_token', 'reference', 'metadata', 'unknown_field'],
    );
    await refusedWith({ ...body, amount_in_cents: 2_490_000.5 }, ['amount_in_cents']);
    await refusedWith({ ...body, amount_in_cents: 1e12 + 1 }, ['amount_in_cents']);
    await refusedWith({ ...body, metadata: { blob: 'x'.repeat(9000) } }, ['metadata']);
    // the same rule as checkout sessions: Wompi signs expiration_time as sent, in UTC
    const notUtc = await refusedWith({ ...body, expiration_time: '2030-01-01T00:00:00-05:00' }, ['expiration_time']);
    expect(notUtc.errors!.expiration_time).toEqual(['expiration_time must be in UTC, e.g. 2026-12-31T23:59:59.000Z']);
    await refusedWith({ ...body, expiration_time: 'tomorrow' }, ['expiration_time']);
    expect(await paymentCount()).toBe(0);
  });

  it('names the nested field of each method', async () => {
    const base = await createBody(t.sandbox, {});
    const pse = {
      type: 'PSE',
      user_type: 2,
      user_legal_id_type: 'XX',
      user_legal_id: '',
      financial_institution_code: 1,
      payment_description: 'x'.repeat(65),
    };
    const p = await refusedWith({ ...base, payment_method: pse }, [
      'payment_method.user_type',
      'payment_method.user_legal_id_type',
      'payment_method.user_legal_id',
      'payment_method.financial_institution_code',
      'payment_method.payment_description',
    ]);
    expect(p.errors!['payment_method.user_legal_id_type'][0]).toMatch(/RC, TI, CC, TE, CE, NIT, PP, DNI/);
    await refusedWith({ ...base, payment_method: { type: 'CARD', token: '4242424242', installments: 37 } }, [
      'payment_method.token',
      'payment_method.installments',
    ]);
    await refusedWith({ ...base, payment_method: { type: 'NEQUI', phone_number: '12345' } }, [
      'payment_method.phone_number',
    ]);
    await refusedWith(
      { ...base, payment_method: { type: 'BANCOLOMBIA_TRANSFER', user_type: 'COMPANY', payment_description: "it's" } },
      ['payment_method.user_type', 'payment_method.payment_description'],
    );
    await refusedWith(
      { ...base, payment_method: { type: 'BANCOLOMBIA_QR', payment_description: 'ok', sandbox_status: 'MAYBE' } },
      ['payment_method.sandbox_status'],
    );
    await refusedWith(
      {
        ...base,
        payment_method: { type: 'DAVIPLATA', user_legal_id_type: 'RC', user_legal_id: '1', payment_description: 'ok' },
      },
      ['payment_method.user_legal_id_type'],
    );
    await refusedWith({ ...base, payment_method: { type: 'PCOL', sandbox_status: 'APPROVED' } }, [
      'payment_method.sandbox_status',
    ]);
    await refusedWith({ ...base, payment_method: { type: 'BITCOIN' } }, ['payment_method.type']);
    await refusedWith({ ...base, payment_method: { type: 'NEQUI', phone_number: '3991111111', extra: 1 } }, [
      'payment_method.extra',
    ]);
    await refusedWith({ ...base, customer_data: { phone_number: 'abc' }, shipping_address: { country: 'Colombia' } }, [
      'customer_data.full_name',
      'customer_data.phone_number',
      'shipping_address.country',
      'shipping_address.address_line_1',
    ]);
  });

  it('wants exactly one of payment_method and payment_source_id', async () => {
    const base = await createBody(t.sandbox, {});
    await refusedWith(base, ['payment_method']);
    await refusedWith(
      { ...base, payment_source_id: 1, payment_method: { type: 'NEQUI', phone_number: '3991111111' } },
      ['payment_method'],
    );
    await refusedWith({ ...base, installments: 2, payment_method: { type: 'NEQUI', phone_number: '3991111111' } }, [
      'installments',
    ]);
    expect(await paymentCount()).toBe(0);
  });

  it("passes Wompi's 422 through with its field messages and keeps nothing", async () => {
    const body = await createBody(t.sandbox, {
      payment_method: { type: 'CARD', token: 'tok_test_1_doesnotexist', installments: 1 },
    });
    const r = await api.create<Problem>(body);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('GATEWAY_REJECTED');
    expect(r.body.errors).toHaveProperty(['payment_method.token']);
    expect(await paymentCount()).toBe(0);

    // the acceptance tokens are single use: reusing them is Wompi's 422 too
    const first = await api.create(await cardBody(t.sandbox));
    expect(first.status).toBe(201);
    const reused = await api.create<Problem>({
      ...(await cardBody(t.sandbox)),
      acceptance_token: body.acceptance_token,
    });
    expect(reused.status).toBe(422);
    expect(reused.body.errors).toHaveProperty(['acceptance_token']);
    expect(await paymentCount()).toBe(1);
    const rows = await pgQuery(t.db.url, 'select 1 from consents');
    expect(rows).toHaveLength(1);
  });

  it("answers 409 naming reference when the reference belongs to another of the caller's payments (another caller's is no conflict: see per-caller-references)", async () => {
    const reference = `ord-${Date.now()}`;
    const first = await api.create(await cardBody(t.sandbox, undefined, { reference }));
    expect(first.status).toBe(201);
    const otherAmount = await api.create<Problem>(
      await cardBody(t.sandbox, undefined, { reference, amount_in_cents: 3_000_000 }),
    );
    expect(otherAmount.status).toBe(409);
    expect(otherAmount.body.code).toBe('REFERENCE_IN_USE');
    expect(otherAmount.body.errors).toHaveProperty(['reference']);
  });

  it('answers 503 with Retry-After when Wompi rate-limits the create, and keeps nothing', async () => {
    const before = await paymentCount();
    await sandboxFaults(t.sandbox, {
      fail_next: { count: 1, status: 429, method: 'POST', path: '/v1/transactions', retry_after_s: 7 },
    });
    const r = await api.create<Problem>(await cardBody(t.sandbox));
    expect(r.status).toBe(503);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await paymentCount()).toBe(before);
  });

  it('requires the Idempotency-Key header', async () => {
    const r = await api.post<Problem>('/v1/transactions', await cardBody(t.sandbox));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
  });

  it('refuses an expiration_time that has passed, like checkout sessions: 400 naming it, nothing stored, nothing sent', async () => {
    const before = await paymentCount();
    for (const past of ['2020-01-01T00:00:00.000Z', new Date(Date.now() - 1000).toISOString()]) {
      const body = await cardBody(t.sandbox, undefined, { reference: `exp-${Date.now()}` });
      const p = await refusedWith({ ...body, expiration_time: past }, ['expiration_time']);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.errors!.expiration_time).toEqual(['expiration_time must be in the future']);
      expect(await wompiTransactions(t.sandbox, wompiReferenceFor(TEST_CALLER, String(body.reference)))).toEqual([]);
    }
    expect(await paymentCount()).toBe(before);
    // a future one is taken as before
    const ok = await api.create(
      await cardBody(t.sandbox, undefined, { expiration_time: new Date(Date.now() + 3600_000).toISOString() }),
    );
    expect(ok.status).toBe(201);
    expect(await paymentCount()).toBe(before + 1);
  });
});
