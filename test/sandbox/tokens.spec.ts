import { CompactEncrypt, importSPKI } from 'jose';
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, fixture, MESSAGES, startFast, waitFor } from './helpers';

describe('sandbox: card and Nequi tokens, PSE banks', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const card = { number: '4242424242424242', cvc: '789', exp_month: '02', exp_year: '29', card_holder: 'Eliana Pérez' };

  it('POST /tokens/cards answers 201 CREATED with the captured shape', async () => {
    const r = await call(sb, 'POST', '/tokens/cards', { key: sb.keys.publicKey, body: card });
    const real = fixture('card_token_201').body;
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('CREATED');
    expect(Object.keys(r.body.data)).toEqual(Object.keys(real.data));
    expect(r.body.data).toMatchObject({
      brand: 'VISA',
      name: 'VISA-4242',
      last_four: '4242',
      bin: '424242',
      exp_year: '29',
      exp_month: '02',
      card_holder: 'Eliana Pérez',
      created_with_cvc: true,
    });
    expect(r.body.data.id).toMatch(/^tok_test_\d+_[0-9a-fA-F]{32}$/);
    expect(r.body.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(r.text).not.toContain(card.number);
  });

  it('refuses bad fields with the captured pattern messages, then Luhn', async () => {
    const r = await call(sb, 'POST', '/tokens/cards', {
      key: sb.keys.publicKey,
      body: fixture('card_token_422').request.body,
    });
    expect(r.status).toBe(422);
    expect(r.body).toEqual(fixture('card_token_422').body);
    const luhn = await call(sb, 'POST', '/tokens/cards', {
      key: sb.keys.publicKey,
      body: { ...card, number: '4242424242424241' },
    });
    expect(luhn.body).toEqual({ error: { type: 'INPUT_VALIDATION_ERROR', messages: { number: [MESSAGES.luhn] } } });
  });

  it('exp_month must be a month (01–12) once it matches the pattern', async () => {
    for (const exp_month of ['00', '13', '99']) {
      const r = await call(sb, 'POST', '/tokens/cards', { key: sb.keys.publicKey, body: { ...card, exp_month } });
      expect([exp_month, r.status, r.body]).toEqual([
        exp_month,
        422,
        { error: { type: 'INPUT_VALIDATION_ERROR', messages: { exp_month: ['Debe ser un mes entre 01 y 12'] } } },
      ]);
    }
    for (const exp_month of ['01', '09', '12']) {
      expect([
        exp_month,
        (await call(sb, 'POST', '/tokens/cards', { key: sb.keys.publicKey, body: { ...card, exp_month } })).status,
      ]).toEqual([exp_month, 201]);
    }
    const pattern = await call(sb, 'POST', '/tokens/cards', {
      key: sb.keys.publicKey,
      body: { ...card, exp_month: '1' },
    });
    expect(pattern.body.error.messages).toEqual({ exp_month: ['debe coincidir con el patron "^\\d{2}$"'] });
  });

  it('fields sent as JSON numbers get a type message, not "No está presente"', async () => {
    const r = await call(sb, 'POST', '/tokens/cards', {
      key: sb.keys.publicKey,
      body: { number: 4242424242424242, cvc: 789, exp_month: 2, exp_year: 29, card_holder: 12345 },
    });
    expect(r.status).toBe(422);
    const typed = ['Debe ser texto'];
    expect(r.body).toEqual({
      error: {
        type: 'INPUT_VALIDATION_ERROR',
        messages: { number: typed, exp_month: typed, exp_year: typed, cvc: typed, card_holder: typed },
      },
    });
    expect(r.text).not.toContain('4242424242424242');
    const missing = await call(sb, 'POST', '/tokens/cards', {
      key: sb.keys.publicKey,
      body: { ...card, cvc: undefined, card_holder: null },
    });
    expect(missing.body.error.messages).toEqual({ cvc: [MESSAGES.not_present], card_holder: [MESSAGES.not_present] });
  });

  it('an unknown public key is 404 MERCHANT_NOT_FOUND; no key is 401', async () => {
    const key = `pub_test_${'q'.repeat(32)}`;
    const r = await call(sb, 'POST', '/tokens/cards', { key, body: card });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: { type: 'NOT_FOUND', reason: `Comercio con llave ${key} no encontrado`, code: 'MERCHANT_NOT_FOUND' },
    });
    expect((await call(sb, 'POST', '/tokens/cards', { body: card })).status).toBe(401);
  });

  it('accepts the JWE payload form (RSA-OAEP-256 / A256GCM) with the tokenization key', async () => {
    const keyRes = await call(sb, 'GET', '/tokens/keys/tokenization', { key: sb.keys.publicKey });
    expect(keyRes.status).toBe(200);
    expect(keyRes.body.data.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const pub = await importSPKI(keyRes.body.data.publicKey, 'RSA-OAEP-256');
    const payload = await new CompactEncrypt(
      new TextEncoder().encode(JSON.stringify({ ...card, number: '4111111111111111' })),
    )
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(pub);
    const r = await call(sb, 'POST', '/tokens/cards', { key: sb.keys.publicKey, body: { payload } });
    expect(r.status).toBe(201);
    expect(r.body.data.last_four).toBe('1111');
    const garbage = await call(sb, 'POST', '/tokens/cards', { key: sb.keys.publicKey, body: { payload: 'a.b.c.d.e' } });
    expect(garbage.status).toBe(422);
    expect(Object.keys(garbage.body.error.messages)).toEqual(['payload']);
  });

  it('Nequi tokens: PENDING, then APPROVED for 3991111111 and DECLINED for others; 404 unknown; 422 bad phone', async () => {
    const ok = await call(sb, 'POST', '/tokens/nequi', {
      key: sb.keys.publicKey,
      body: { phone_number: '3991111111' },
    });
    expect(ok.status).toBe(201);
    expect(Object.keys(ok.body.data)).toEqual(['id', 'status', 'phone_number', 'name']);
    expect(ok.body.data).toMatchObject({ status: 'PENDING', phone_number: '3991111111' });
    expect(ok.body.data.id).toMatch(/^nequi_test_[A-Za-z0-9]{32}$/);
    const no = await call(sb, 'POST', '/tokens/nequi', {
      key: sb.keys.publicKey,
      body: { phone_number: '3992222222' },
    });
    const final = (id: string, status: string) =>
      waitFor(
        async () =>
          (await call(sb, 'GET', `/tokens/nequi/${id}`, { key: sb.keys.publicKey })).body.data?.status === status
            ? true
            : undefined,
        15_000,
        `${id} ${status}`,
      );
    await final(ok.body.data.id, 'APPROVED');
    await final(no.body.data.id, 'DECLINED');
    const missing = await call(sb, 'GET', '/tokens/nequi/nequi_test_nope', { key: sb.keys.publicKey });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { type: 'NOT_FOUND_ERROR', reason: MESSAGES.not_found } });
    const bad = await call(sb, 'POST', '/tokens/nequi', { key: sb.keys.publicKey, body: { phone_number: '123' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.type).toBe('UNPROCESSABLE');
  });

  it('GET /pse/financial_institutions lists the three sandbox banks (public or private key)', async () => {
    for (const key of [sb.keys.publicKey, sb.keys.privateKey]) {
      const r = await call(sb, 'GET', '/pse/financial_institutions', { key });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(fixture('pse_financial_institutions').body);
    }
  });
});
