import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { acceptance, call, integrity, Json, MESSAGES, newRef, Reply, startFast, waitForStatus } from './helpers';

/** POST /payment_sources with DAVIPLATA and BANCOLOMBIA_TRANSFER tokens (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens, #payment-sources). */
describe('sandbox: DAVIPLATA and BANCOLOMBIA_TRANSFER payment sources', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const declined = { error: { type: 'UNPROCESSABLE', reason: MESSAGES.source_declined } };

  const createSource = async (type: string, token: string, extra: Json = {}): Promise<Reply> =>
    call(sb, 'POST', '/payment_sources', {
      key: sb.keys.privateKey,
      body: { type, token, customer_email: 'comprador@example.com', ...(await acceptance(sb)), ...extra },
    });

  const charge = async (sourceId: number): Promise<Reply> => {
    const reference = newRef('src');
    return call(sb, 'POST', '/transactions', {
      key: sb.keys.privateKey,
      body: {
        ...(await acceptance(sb)),
        amount_in_cents: 3_000_000,
        currency: 'COP',
        customer_email: 'comprador@example.com',
        reference,
        signature: integrity(reference, 3_000_000, 'COP', sb.keys.integritySecret),
        payment_source_id: sourceId,
      },
    });
  };

  /** A Daviplata token taken through the OTP flow (`otp` undefined: left PENDING). */
  const daviplataToken = async (phone: string, otp?: string): Promise<string> => {
    const t = (
      await call(sb, 'POST', '/tokens/daviplata', {
        key: sb.keys.publicKey,
        body: { type_document: 'CC', number_document: '1099888777', product_number: phone },
      })
    ).body.data;
    if (otp === undefined) return t.id;
    const post = (url: string, body: Json) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.url_services.token}` },
        body: JSON.stringify(body),
      });
    expect((await post(t.url_services.code_otp_send, {})).status).toBe(200);
    expect((await post(t.url_services.code_otp_validate, { otp })).status).toBe(200);
    return t.id;
  };

  /** A Bancolombia transfer token, decided by the payer when `decision` is given. */
  const bancolombiaToken = async (
    typeAuth: 'TOKEN' | 'TRANSACTION',
    decision?: 'APPROVED' | 'DECLINED',
  ): Promise<string> => {
    const t = (
      await call(sb, 'POST', '/tokens/bancolombia_transfer', {
        key: sb.keys.publicKey,
        body: { redirect_url: 'https://tienda.example.com/', type_auth: typeAuth },
      })
    ).body.data;
    if (decision)
      expect(
        (
          await call(sb, 'POST', `/__sandbox/tokens/bancolombia_transfer/${t.id}/decide`, {
            body: { status: decision },
          })
        ).status,
      ).toBe(200);
    return t.id;
  };

  it('DAVIPLATA: a PENDING or DECLINED token is "La fuente de pago ha sido declinada"', async () => {
    for (const token of [
      await daviplataToken('3991111111'),
      await daviplataToken('3991111111', '932016'),
      await daviplataToken('3992222222', '574829'),
      await daviplataToken('3993333333', '574829'),
    ]) {
      const r = await createSource('DAVIPLATA', token);
      expect([token, r.status, r.body]).toEqual([token, 422, declined]);
    }
  });

  it('DAVIPLATA: an APPROVED token gives an AVAILABLE source with type_document, number_document, phone_number; charges approve', async () => {
    const token = await daviplataToken('3991111111', '574829');
    const r = await createSource('DAVIPLATA', token);
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.data)).toEqual(['id', 'public_data', 'token', 'type', 'status', 'customer_email']);
    expect(r.body.data).toMatchObject({
      type: 'DAVIPLATA',
      token,
      status: 'AVAILABLE',
      customer_email: 'comprador@example.com',
    });
    expect(r.body.data.public_data).toEqual({
      type: 'DAVIPLATA',
      type_document: 'CC',
      number_document: '1099888777',
      phone_number: '3991111111',
    });
    expect(
      (await call(sb, 'GET', `/payment_sources/${r.body.data.id}`, { key: sb.keys.privateKey })).body.data,
    ).toEqual(r.body.data);
    const tx = await charge(r.body.data.id);
    expect(tx.status).toBe(201);
    expect(tx.body.data).toMatchObject({
      payment_method_type: 'DAVIPLATA',
      payment_source_id: r.body.data.id,
      status: 'PENDING',
    });
    await waitForStatus(sb, tx.body.data.id, 'APPROVED');
  });

  it('BANCOLOMBIA_TRANSFER (TOKEN): PENDING or DECLINED tokens are refused; APPROVED gives the account in public_data', async () => {
    for (const token of [await bancolombiaToken('TOKEN'), await bancolombiaToken('TOKEN', 'DECLINED')]) {
      const r = await createSource('BANCOLOMBIA_TRANSFER', token, { payment_description: 'Suscripción mensual' });
      expect([token, r.status, r.body]).toEqual([token, 422, declined]);
    }
    const token = await bancolombiaToken('TOKEN', 'APPROVED');
    const r = await createSource('BANCOLOMBIA_TRANSFER', token, { payment_description: 'Suscripción mensual' });
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({ type: 'BANCOLOMBIA_TRANSFER', token, status: 'AVAILABLE' });
    expect(r.body.data.public_data).toEqual({
      type: 'BANCOLOMBIA_TRANSFER',
      payment_description: 'Suscripción mensual',
      bank_account_type: 'CUENTA AHORROS',
      bank_account_last_four: '***1234',
    });
    const tx = await charge(r.body.data.id);
    expect(tx.status).toBe(201);
    expect(tx.body.data.payment_method_type).toBe('BANCOLOMBIA_TRANSFER');
    expect(tx.body.data.payment_method.extra.async_payment_url).toBeUndefined();
    await waitForStatus(sb, tx.body.data.id, 'APPROVED');
  });

  it('BANCOLOMBIA_TRANSFER (TRANSACTION): AVAILABLE token → source; each charge waits for the payer', async () => {
    const token = await bancolombiaToken('TRANSACTION');
    const r = await createSource('BANCOLOMBIA_TRANSFER', token, { payment_description: 'Pago por uso' });
    expect(r.status).toBe(201);
    expect(r.body.data.public_data).toEqual({
      type: 'BANCOLOMBIA_TRANSFER',
      payment_description: 'Pago por uso',
      bank_account_type: null,
      bank_account_last_four: null,
    });
    const tx = (await charge(r.body.data.id)).body.data;
    expect(tx.payment_method.extra.async_payment_url).toMatch(
      new RegExp(`^${sb.origin}/v1/payment_methods/redirect/bancolombia_transfer\\?transferCode=`),
    );
    const decided = await call(sb, 'POST', `/__sandbox/transactions/${tx.id}/decide`, { body: { status: 'APPROVED' } });
    expect(decided.body.data.status).toBe('APPROVED');
  });

  it('refusals: type list, payment_description, unknown or mismatched tokens', async () => {
    const type = await createSource('PSE', 'x');
    expect(type.body.error.messages.type).toEqual([
      'Debe ser uno de estos: CARD, NEQUI, DAVIPLATA, BANCOLOMBIA_TRANSFER',
    ]);
    const approved = await bancolombiaToken('TOKEN', 'APPROVED');
    const noDescription = await createSource('BANCOLOMBIA_TRANSFER', approved);
    expect(noDescription.body).toEqual({
      error: { type: 'INPUT_VALIDATION_ERROR', messages: { payment_description: [MESSAGES.not_present] } },
    });
    const long = await createSource('BANCOLOMBIA_TRANSFER', approved, { payment_description: 'x'.repeat(65) });
    expect(long.body.error.messages).toEqual({ payment_description: ['Debe tener máximo 64 caracteres'] });
    const unknown = await createSource('DAVIPLATA', 'daviplata_test_nope');
    expect(unknown.body).toEqual({
      error: { type: 'INPUT_VALIDATION_ERROR', messages: { token: ['El token no existe o ya expiró'] } },
    });
    const davi = await daviplataToken('3991111111', '574829');
    expect(
      (await createSource('BANCOLOMBIA_TRANSFER', davi, { payment_description: 'x' })).body.error.messages,
    ).toEqual({ token: ['El token no existe o ya expiró'] });
    expect((await createSource('DAVIPLATA', approved)).body.error.messages).toEqual({
      token: ['El token no existe o ya expiró'],
    });
    expect((await createSource('NEQUI', davi)).body.error.messages).toEqual({
      token: ['El token no existe o ya expiró'],
    });
  });
});
