import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, createTx, fixture, MESSAGES, startFast, txBody, waitForStatus } from './helpers';

describe('sandbox: async payment methods', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const pse = (bank: string) => ({
    type: 'PSE',
    user_type: 0,
    user_legal_id_type: 'CC',
    user_legal_id: '1099888777',
    financial_institution_code: bank,
    payment_description: 'Pago de prueba PSE',
  });
  const decide = (id: string, status: string) =>
    call(sb, 'POST', `/__sandbox/transactions/${id}/decide`, { body: { status } });
  const isPending = async (id: string) => (await call(sb, 'GET', `/transactions/${id}`)).body.data.status === 'PENDING';

  it.each([
    ['3991111111', 'APPROVED', null],
    ['3992222222', 'DECLINED', 'La transacción fue rechazada (Sandbox)'],
    ['3001234567', 'ERROR', 'La transacción tuvo un error (Sandbox)'],
  ])('NEQUI %s → %s', async (phone, status, message) => {
    const tx = await createTx(sb, { type: 'NEQUI', phone_number: phone });
    expect(tx.payment_method).toEqual({
      type: 'NEQUI',
      extra: { is_three_ds: false, three_ds_auth_type: null },
      phone_number: phone,
    });
    const done = await waitForStatus(sb, tx.id, status);
    expect(done.status_message).toBe(message);
    expect(done.payment_method.extra.external_identifier).toEqual(expect.any(String));
  });

  it.each([
    ['1', 'APPROVED', null],
    ['2', 'DECLINED', MESSAGES.pse_declined],
    ['3', 'ERROR', MESSAGES.pse_error],
  ])('PSE bank %s → %s, 201 like the UAT capture plus async_payment_url', async (bank, status, message) => {
    const tx = await createTx(sb, pse(bank));
    const real = fixture('transaction_pse_201').body.data;
    expect(Object.keys(tx.payment_method)).toEqual(Object.keys(real.payment_method));
    expect(tx.payment_method.extra).toMatchObject(real.payment_method.extra);
    expect(tx.payment_method.extra.async_payment_url).toMatch(
      new RegExp(`^${sb.origin}/v1/payment_methods/redirect/pse\\?`),
    );
    const done = await waitForStatus(sb, tx.id, status);
    expect(done.status_message).toBe(message);
    expect(done.finalized_at).not.toBeNull();
  });

  it('PSE validation messages nest under payment_method.messages as captured', async () => {
    const req = fixture('transaction_422_legal_id_type').request.body;
    const body = await txBody(sb, { ...req.payment_method });
    const r = await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body });
    expect(r.status).toBe(422);
    expect(r.body).toEqual(fixture('transaction_422_legal_id_type').body);
    const more = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, { ...pse('1'), user_type: 2, user_legal_id: '' }),
    });
    expect(more.body.error.messages.payment_method.messages).toEqual({
      user_type: [MESSAGES.user_type],
      user_legal_id: [MESSAGES.user_legal_id],
    });
  });

  it('BANCOLOMBIA_TRANSFER waits for the payer (decide) and carries async_payment_url', async () => {
    const tx = await createTx(sb, {
      type: 'BANCOLOMBIA_TRANSFER',
      user_type: 'PERSON',
      payment_description: 'Pago de prueba',
    });
    expect(tx.payment_method.extra.async_payment_url).toMatch(
      /\/v1\/payment_methods\/redirect\/bancolombia_transfer\?transferCode=[A-Za-z0-9]{16}$/,
    );
    const probe = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitForStatus(sb, probe.id, 'APPROVED'); // async delay has passed…
    expect(await isPending(tx.id)).toBe(true); // …but the transfer still waits for the payer
    const r = await decide(tx.id, 'DECLINED');
    expect(r.status).toBe(200);
    expect(r.body.data.status).toBe('DECLINED');
    expect((await decide(tx.id, 'APPROVED')).status).toBe(409);
    const page = await fetch(tx.payment_method.extra.async_payment_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(tx.id);
    expect((await decide('127050-1-00000', 'APPROVED')).status).toBe(404);
  });

  it('BANCOLOMBIA_TRANSFER with sandbox_status decides by itself (transferCode suffix as observed)', async () => {
    const tx = await createTx(sb, {
      type: 'BANCOLOMBIA_TRANSFER',
      user_type: 'PERSON',
      payment_description: 'Pago',
      sandbox_status: 'APPROVED',
    });
    expect(tx.payment_method.sandbox_status).toBe('APPROVED');
    expect(tx.payment_method.extra.external_identifier).toMatch(/-approved$/);
    await waitForStatus(sb, tx.id, 'APPROVED');
    const bad = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, { type: 'BANCOLOMBIA_TRANSFER', user_type: 'BUSINESS', payment_description: "it's" }),
    });
    expect(bad.body.error.messages.payment_method.messages).toEqual({
      user_type: ['Debe ser uno de estos: PERSON'],
      payment_description: ['No puede contener comillas simples'],
    });
  });

  it.each(['APPROVED', 'DECLINED', 'ERROR'])('BANCOLOMBIA_QR sandbox_status %s', async (status) => {
    const tx = await createTx(sb, { type: 'BANCOLOMBIA_QR', payment_description: 'QR', sandbox_status: status });
    expect(Object.keys(tx.payment_method.extra)).toEqual(['qr_id', 'qr_image', 'external_identifier']);
    expect(Buffer.from(tx.payment_method.extra.qr_image, 'base64').toString()).toContain('<svg');
    await waitForStatus(sb, tx.id, status);
  });

  it('BANCOLOMBIA_COLLECT gives the agreement code and waits for the cash payment', async () => {
    const tx = await createTx(sb, { type: 'BANCOLOMBIA_COLLECT' });
    expect(tx.payment_method.extra).toEqual({
      business_agreement_code: expect.any(String),
      payment_intention_identifier: expect.any(String),
    });
    expect((await decide(tx.id, 'APPROVED')).body.data.status).toBe('APPROVED');
  });

  it('DAVIPLATA: OTP 574829 approves, 932015 declines, 186743 no funds, 999999 errors, others retry', async () => {
    const pm = {
      type: 'DAVIPLATA',
      user_legal_id: '1099888777',
      user_legal_id_type: 'CC',
      payment_description: 'Pago Daviplata',
    };
    const results: [string, string, string | null][] = [
      ['574829', 'APPROVED', null],
      ['932015', 'DECLINED', 'La transacción fue rechazada (Sandbox)'],
      ['186743', 'DECLINED', 'Fondos Insuficientes'],
      ['999999', 'ERROR', 'La transacción tuvo un error (Sandbox)'],
    ];
    for (const [otp, status, message] of results) {
      const tx = await createTx(sb, pm);
      const {
        token,
        code_otp_send: send,
        code_otp_validate: validate,
      } = tx.payment_method.extra.url_services as Record<string, string>;
      expect(validate.startsWith(sb.origin)).toBe(true);
      // the OTP service wants url_services.token as Bearer and an OTP sent first (daviplata-payment.spec.ts)
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      expect((await fetch(send, { method: 'POST', headers })).status).toBe(200);
      const wrong = await fetch(validate, { method: 'POST', headers, body: JSON.stringify({ otp: '123456' }) });
      expect(wrong.status).toBe(422);
      const r = await fetch(validate, { method: 'POST', headers, body: JSON.stringify({ otp }) });
      const body = (await r.json()) as { data: { status: string; status_message: string | null } };
      expect([otp, body.data.status, body.data.status_message]).toEqual([otp, status, message]);
    }
  });

  it('PCOL sandbox_status: only points / half points approve with points data', async () => {
    const only = await createTx(sb, { type: 'PCOL', sandbox_status: 'APPROVED_ONLY_POINTS' });
    const half = await createTx(sb, { type: 'PCOL', sandbox_status: 'APPROVED_HALF_POINTS' });
    const declined = await createTx(sb, { type: 'PCOL', sandbox_status: 'DECLINED' });
    expect(only.payment_method.extra.async_payment_url).toEqual(expect.any(String));
    expect((await waitForStatus(sb, only.id, 'APPROVED')).payment_method.extra.remaining_amount_in_cents).toBe(0);
    expect((await waitForStatus(sb, half.id, 'APPROVED')).payment_method.extra.remaining_amount_in_cents).toBe(
      1_245_000,
    );
    await waitForStatus(sb, declined.id, 'DECLINED');
  });

  it('BANCOLOMBIA_BNPL needs COP 100,000 and waits for the payer', async () => {
    const pm = {
      type: 'BANCOLOMBIA_BNPL',
      user_legal_id_type: 'CC',
      user_legal_id: '1099888777',
      phone_number: '3001234567',
      phone_code: '+57',
      payment_description: 'BNPL',
    };
    const small = await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body: await txBody(sb, pm) });
    expect(small.body.error.messages.payment_method.messages.amount_in_cents).toEqual([
      'El monto mínimo para BANCOLOMBIA_BNPL es $100,000',
    ]);
    const tx = await createTx(sb, pm, { amount_in_cents: 10_000_000 });
    expect(tx.payment_method.extra.url).toEqual(expect.any(String));
    expect(tx.payment_method).not.toHaveProperty('sandbox_status');
    expect((await decide(tx.id, 'APPROVED')).body.data.status).toBe('APPROVED');
  });

  it('BANCOLOMBIA_BNPL with sandbox_status echoes it in payment_method (like TRANSFER/QR/PCOL) and decides by itself', async () => {
    const pm = {
      type: 'BANCOLOMBIA_BNPL',
      user_legal_id_type: 'CC',
      user_legal_id: '1099888777',
      phone_number: '3001234567',
      phone_code: '+57',
      payment_description: 'BNPL',
    };
    for (const status of ['APPROVED', 'DECLINED']) {
      const tx = await createTx(sb, { ...pm, sandbox_status: status }, { amount_in_cents: 10_000_000 });
      expect(tx.payment_method.sandbox_status).toBe(status);
      const done = await waitForStatus(sb, tx.id, status);
      expect(done.payment_method.sandbox_status).toBe(status);
    }
    for (const [type, extra] of [
      ['PCOL', {}],
      ['BANCOLOMBIA_QR', { payment_description: 'QR' }],
      ['BANCOLOMBIA_TRANSFER', { user_type: 'PERSON', payment_description: 'Pago' }],
    ] as const) {
      const tx = await createTx(sb, { type, ...extra, sandbox_status: 'DECLINED' });
      expect([type, tx.payment_method.sandbox_status]).toEqual([type, 'DECLINED']);
    }
  });

  it('an unknown method type is refused listing the supported ones', async () => {
    const r = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, { type: 'BITCOIN' }),
    });
    expect(r.status).toBe(422);
    expect(r.body.error.messages.payment_method.messages.type[0]).toMatch(/^Debe ser uno de estos: CARD, NEQUI, PSE/);
  });
});
