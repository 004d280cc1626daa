import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import {
  call,
  cardToken,
  createTx,
  fixture,
  integrity,
  Json,
  MESSAGES,
  newRef,
  startFast,
  txBody,
  waitForStatus,
} from './helpers';

describe('sandbox: POST /transactions — validation and CARD outcomes', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const post = async (body: Record<string, unknown>, key = sb.keys.publicKey) =>
    call(sb, 'POST', '/transactions', { key, body });
  const field = (messages: Record<string, unknown>) => ({ error: { type: 'INPUT_VALIDATION_ERROR', messages } });

  it('the integrity signature follows docs/wompi.md#integrity-signature vectors', () => {
    const v = fixture('vectors');
    expect(
      integrity(v.integrity_docs.reference, v.integrity_docs.amount_in_cents, 'COP', v.integrity_docs.secret),
    ).toBe(v.integrity_docs.sha256);
    const e = v.integrity_docs_expiration;
    expect(integrity(e.reference, e.amount_in_cents, 'COP', e.secret, e.expiration_time)).toBe(e.sha256);
    expect(integrity(v.integrity_uat.reference, v.integrity_uat.amount_in_cents, 'COP', v.integrity_uat.secret)).toBe(
      v.integrity_uat.sha256,
    );
  });

  it('the sandbox accepts the UAT vector when it holds that integrity secret', async () => {
    const v = fixture('vectors').integrity_uat;
    const other = await startFast({ keys: { integritySecret: v.secret } });
    try {
      const token = await cardToken(other, '4242424242424242');
      const body = await txBody(
        other,
        { type: 'CARD', token, installments: 1 },
        { reference: v.reference, amount_in_cents: v.amount_in_cents, signature: v.sha256 },
      );
      expect((await call(other, 'POST', '/transactions', { key: other.keys.publicKey, body })).status).toBe(201);
    } finally {
      await other.close();
    }
  });

  it('4242… → 201 PENDING with the real key order, then APPROVED with finalized_at', async () => {
    const token = await cardToken(sb, '4242424242424242');
    const body = await txBody(sb, { type: 'CARD', token, installments: 2 });
    const r = await post(body);
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(['data', 'meta']);
    expect(Object.keys(r.body.data)).toEqual(Object.keys(fixture('transaction_pse_201').body.data));
    expect(r.body.data).toMatchObject({
      status: 'PENDING',
      finalized_at: null,
      amount_in_cents: 2_490_000,
      currency: 'COP',
      payment_method_type: 'CARD',
      reference: body.reference,
    });
    expect(r.body.data.id).toMatch(/^1\d+-\d{10}-\d{5}$/);
    expect(Math.abs(Number(r.body.data.id.split('-')[1]) - Date.now() / 1000)).toBeLessThan(5);
    expect(r.body.data.payment_method).toMatchObject({
      type: 'CARD',
      token,
      installments: 2,
      extra: { last_four: '4242', brand: 'VISA' },
    });
    const done = await waitForStatus(sb, r.body.data.id, 'APPROVED', 15_000);
    expect(done.status_message).toBeNull();
    expect(done.finalized_at).toMatch(/Z$/);
    expect(done.payment_method.extra.processor_response_code).toBe('00');
    expect(Object.keys(done.merchant)).toEqual([
      'id',
      'name',
      'legal_name',
      'contact_name',
      'phone_number',
      'logo_url',
      'legal_id_type',
      'email',
      'legal_id',
      'public_key',
    ]);
  });

  it("a final CARD payment_method.extra keeps the real events' key order; GET puts merchant before taxes", async () => {
    const real = fixture('real/events/sandbox_card_3ds_approved').data.transaction.payment_method.extra as Json;
    // the sandbox has no 3DS steps: every other key of the real event, in its order
    const expected = Object.keys(real).filter((k) => k !== 'three_ds_auth');
    expect(expected).toEqual([
      'bin',
      'name',
      'brand',
      'exp_year',
      'card_type',
      'exp_month',
      'last_four',
      'card_holder',
      'is_three_ds',
      'unique_code',
      'three_ds_auth_type',
      'external_identifier',
      'processor_response_code',
    ]);
    for (const [number, status] of [
      ['4242424242424242', 'APPROVED'],
      ['4111111111111111', 'DECLINED'],
    ]) {
      const tx = await createTx(sb, { type: 'CARD', token: await cardToken(sb, number), installments: 1 });
      const done = await waitForStatus(sb, tx.id, status);
      expect([number, Object.keys(done.payment_method.extra)]).toEqual([number, expected]);
      const keys = Object.keys(done);
      const created = Object.keys(fixture('transaction_pse_201').body.data);
      const at = created.indexOf('taxes');
      expect(keys).toEqual([...created.slice(0, at), 'merchant', ...created.slice(at)]);
      const captured = Object.keys(fixture('real/api/transaction_card_approved').response_body.data);
      expect(captured[captured.indexOf('merchant') + 1]).toBe('taxes');
    }
  });

  it('4111… → DECLINED "(Sandbox)"; any other card → ERROR', async () => {
    const declined = await createTx(sb, {
      type: 'CARD',
      token: await cardToken(sb, '4111111111111111'),
      installments: 1,
    });
    const error = await createTx(sb, { type: 'CARD', token: await cardToken(sb, '5555555555554444'), installments: 1 });
    const d = await waitForStatus(sb, declined.id, 'DECLINED');
    expect(d.status_message).toBe(MESSAGES.card_declined);
    const e = await waitForStatus(sb, error.id, 'ERROR');
    expect(e.status_message).toBe(MESSAGES.sandbox_choice.card_error);
  });

  it('the outcome is never synchronous: still PENDING right after creation', async () => {
    const slow = await startFast({ cardDelayMs: 400 });
    try {
      const tx = await createTx(slow, {
        type: 'CARD',
        token: await cardToken(slow, '4242424242424242'),
        installments: 1,
      });
      const r = await call(slow, 'GET', `/transactions/${tx.id}`);
      expect(r.body.data.status).toBe('PENDING');
    } finally {
      await slow.close();
    }
  });

  it('validates in order: acceptance → signature → amount → currency → email → reference → method', async () => {
    const token = await cardToken(sb, '4242424242424242');
    const pm = { type: 'CARD', token, installments: 1 };
    const base = await txBody(sb, pm);
    const { signature: _s, ...noSig } = base;
    expect((await post(noSig)).body).toEqual(field({ signature: [MESSAGES.signature.missing] }));
    const upper = await txBody(sb, pm);
    expect((await post({ ...upper, signature: upper.signature.toUpperCase() })).body).toEqual(
      field({ signature: [MESSAGES.signature.invalid] }),
    );

    const sign = async (over: Json): Promise<Json> => {
      const b: Json = { ...(await txBody(sb, pm)), ...over };
      return { ...b, signature: integrity(b.reference, b.amount_in_cents, b.currency, sb.keys.integritySecret) };
    };
    expect((await post(await sign({ amount_in_cents: 149_999 }))).body).toEqual(
      field({ valid_amount_in_cents: [MESSAGES.minimum_amount] }),
    );
    expect((await post(await sign({ amount_in_cents: 0 }))).body).toEqual(
      field({ valid_amount_in_cents: [MESSAGES.minimum_amount] }),
    );
    expect((await post(await sign({ currency: 'USD' }))).body).toEqual(field({ currency: [MESSAGES.currency] }));
    expect((await post(await sign({ customer_email: 'no-es-email' }))).body).toEqual(
      field({ customer_email: [MESSAGES.email] }),
    );
    const first = await sign({});
    expect((await post(first)).status).toBe(201);
    expect((await post(await sign({ reference: first.reference }))).body).toEqual(
      field({ reference: [MESSAGES.sandbox_choice.reference_used] }),
    );
    const { payment_method: _p, ...noMethod } = await sign({});
    expect((await post(noMethod)).body).toEqual({
      error: { type: 'UNPROCESSABLE', reason: MESSAGES.no_payment_method },
    });
    expect((await post(await sign({ payment_method: { type: 'CARD', installments: 1 } }))).body).toEqual(
      field({ payment_method: { messages: { token: [MESSAGES.not_present] } } }),
    );
  });

  describe('customer_data and shipping_address (docs/wompi.md#creating-a-transaction), checked after the payment method', () => {
    const CUSTOMER = {
      phone_number: '+573001234567',
      full_name: 'Juana Pérez',
      legal_id: '1099888777',
      legal_id_type: 'CC',
    };
    const SHIPPING = {
      address_line_1: 'Calle 34 # 56 - 78',
      address_line_2: 'Apto 502',
      country: 'CO',
      region: 'Cundinamarca',
      city: 'Bogotá',
      name: 'Juana Pérez',
      phone_number: '573001234567',
      postal_code: '111111',
    };
    const withBuyer = async (over: Json) =>
      post(await txBody(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 }, over));

    it('accepts and echoes them when complete (extra sub-fields such as device_id pass through)', async () => {
      const customer = { ...CUSTOMER, device_id: '6a31034b84d2c68a873185c237344831' };
      const r = await withBuyer({ customer_data: customer, shipping_address: SHIPPING });
      expect(r.status).toBe(201);
      expect(r.body.data.customer_data).toEqual(customer);
      expect(r.body.data.shipping_address).toEqual(SHIPPING);
      expect(
        (
          await withBuyer({
            customer_data: { full_name: 'Juana Pérez' },
            shipping_address: { ...SHIPPING, country: 'co', address_line_2: undefined },
          })
        ).status,
      ).toBe(201);
      expect((await withBuyer({ customer_data: null, shipping_address: null })).status).toBe(201);
    });

    it.each<[string, Json, Json]>([
      [
        'customer_data without full_name',
        { customer_data: { phone_number: '3001234567' } },
        { customer_data: { messages: { full_name: [MESSAGES.not_present] } } },
      ],
      [
        'an empty full_name',
        { customer_data: { full_name: '' } },
        { customer_data: { messages: { full_name: [MESSAGES.not_present] } } },
      ],
      [
        'an unknown legal_id_type and a numeric legal_id',
        { customer_data: { full_name: 'Juana', legal_id_type: 'XX', legal_id: 1099888777 } },
        {
          customer_data: {
            messages: {
              legal_id: ['Debe ser texto'],
              legal_id_type: ['Debe ser uno de estos: CC, NIT, PP, CE, TI, DNI, RG, OTHER'],
            },
          },
        },
      ],
      ['customer_data not an object', { customer_data: 'Juana' }, { customer_data: ['Debe ser un objeto'] }],
      [
        'an empty shipping_address',
        { shipping_address: {} },
        {
          shipping_address: {
            messages: {
              address_line_1: [MESSAGES.not_present],
              country: [MESSAGES.not_present],
              region: [MESSAGES.not_present],
              city: [MESSAGES.not_present],
              phone_number: [MESSAGES.not_present],
            },
          },
        },
      ],
      [
        'a country that is not ISO2',
        { shipping_address: { ...SHIPPING, country: 'Colombia' } },
        { shipping_address: { messages: { country: ['Debe ser un código de país ISO 3166-1 alfa-2 (p. ej. CO)'] } } },
      ],
      [
        'an unassigned ISO2 code',
        { shipping_address: { ...SHIPPING, country: 'XX' } },
        { shipping_address: { messages: { country: ['Debe ser un código de país ISO 3166-1 alfa-2 (p. ej. CO)'] } } },
      ],
      [
        'a numeric phone_number',
        { shipping_address: { ...SHIPPING, phone_number: 3001234567 } },
        { shipping_address: { messages: { phone_number: ['Debe ser texto'] } } },
      ],
      [
        'both at once',
        { customer_data: { legal_id_type: 'CC' }, shipping_address: { ...SHIPPING, city: '' } },
        {
          customer_data: { messages: { full_name: [MESSAGES.not_present] } },
          shipping_address: { messages: { city: [MESSAGES.not_present] } },
        },
      ],
    ])('refuses %s with 422 INPUT_VALIDATION_ERROR', async (_what, over, messages) => {
      const r = await withBuyer(over);
      expect(r.status).toBe(422);
      expect(r.body).toEqual(field(messages));
    });

    it('comes after the payment method in the order (a bad method is reported first)', async () => {
      const r = await post(
        await txBody(sb, { type: 'CARD', installments: 1 }, { customer_data: { legal_id_type: 'XX' } }),
      );
      expect(r.body).toEqual(field({ payment_method: { messages: { token: [MESSAGES.not_present] } } }));
      const { payment_method: _p, ...noMethod } = await txBody(sb, undefined, { customer_data: {} });
      expect((await post(noMethod)).body).toEqual({
        error: { type: 'UNPROCESSABLE', reason: MESSAGES.no_payment_method },
      });
    });
  });

  it('expiration_time enters the signature when sent', async () => {
    const token = await cardToken(sb, '4242424242424242');
    const expiration_time = new Date(Date.now() + 3_600_000).toISOString();
    const b = await txBody(sb, { type: 'CARD', token, installments: 1 }, { expiration_time });
    expect((await post(b)).body.error.messages).toEqual({ signature: [MESSAGES.signature.invalid] });
    const ref = newRef();
    const ok = await txBody(
      sb,
      { type: 'CARD', token, installments: 1 },
      {
        reference: ref,
        expiration_time,
        signature: integrity(ref, 2_490_000, 'COP', sb.keys.integritySecret, expiration_time),
      },
    );
    expect((await post(ok)).status).toBe(201);
  });

  it('a private key may create too; unknown transaction is 404', async () => {
    const token = await cardToken(sb, '4242424242424242');
    expect((await post(await txBody(sb, { type: 'CARD', token, installments: 1 }), sb.keys.privateKey)).status).toBe(
      201,
    );
    const r = await call(sb, 'GET', '/transactions/127050-1700000000-00000', { key: sb.keys.privateKey });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { type: 'NOT_FOUND_ERROR', reason: MESSAGES.not_found } });
  });

  it('GET /transactions/{id}: no key or either key reads; an unknown key is 403', async () => {
    const tx = await createTx(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 });
    for (const key of [undefined, sb.keys.publicKey, sb.keys.privateKey]) {
      expect((await call(sb, 'GET', `/transactions/${tx.id}`, { key })).status).toBe(200);
    }
    const r = await call(sb, 'GET', `/transactions/${tx.id}`, { key: `prv_test_${'u'.repeat(32)}` });
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe(MESSAGES.forbidden);
  });
});
