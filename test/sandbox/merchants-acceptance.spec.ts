import { decodeJwt, decodeProtectedHeader } from 'jose';
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { acceptance, call, fixture, MESSAGES, startFast, txBody } from './helpers';

describe('sandbox: merchants, keys and acceptance tokens', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  it('generates keys with Wompi test prefixes and 32 alphanumerics', () => {
    expect(sb.keys.publicKey).toMatch(/^pub_test_[A-Za-z0-9]{32}$/);
    expect(sb.keys.privateKey).toMatch(/^prv_test_[A-Za-z0-9]{32}$/);
    expect(sb.keys.integritySecret).toMatch(/^test_integrity_[A-Za-z0-9]{32}$/);
    expect(sb.keys.eventsSecret).toMatch(/^test_events_[A-Za-z0-9]{32}$/);
    expect(sb.baseUrl).toBe(`${sb.origin}/v1`);
  });

  it('GET /merchants/{public_key} has the real shape and both presigned tokens', async () => {
    const r = await call(sb, 'GET', `/merchants/${sb.keys.publicKey}`);
    const real = fixture('merchant_200').body;
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(Object.keys(real));
    expect(Object.keys(r.body.data)).toEqual(Object.keys(real.data));
    expect(r.body.data.public_key).toBe(sb.keys.publicKey);
    for (const k of ['presigned_acceptance', 'presigned_personal_data_auth']) {
      expect(Object.keys(r.body.data[k])).toEqual(Object.keys(real.data[k]));
      expect(r.body.data[k].type).toBe(real.data[k].type);
      expect(r.body.data[k].permalink).toBe(real.data[k].permalink);
    }
  });

  it('acceptance tokens are HS256 JWTs with Wompi claims; END_USER_POLICY expires in about an hour', async () => {
    const r = await call(sb, 'GET', `/merchants/${sb.keys.publicKey}`);
    const token = r.body.data.presigned_acceptance.acceptance_token as string;
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const claims = decodeJwt(token);
    expect(Object.keys(claims)).toEqual(['contract_id', 'permalink', 'file_hash', 'jit', 'email', 'exp']);
    const now = Date.now() / 1000;
    expect(claims.exp! - now).toBeGreaterThan(3500);
    expect(claims.exp! - now).toBeLessThanOrEqual(3601);
    // docs/wompi.md#acceptance-tokens: jit is "<unix seconds>-<5 digits>", the unix part being the issue time
    expect(claims.jit).toMatch(/^\d{10}-\d{5}$/);
    expect(Math.abs(Number(String(claims.jit).split('-')[0]) - now)).toBeLessThan(5);
    expect(claims).toMatchObject({
      contract_id: expect.any(Number),
      file_hash: expect.stringMatching(/^[0-9a-f]{32}$/),
      email: '',
    });
    const personal = decodeJwt(r.body.data.presigned_personal_data_auth.acceptance_token);
    expect(Object.keys(personal)).toEqual(['contract_id', 'permalink', 'file_hash', 'jit', 'email']);
    expect(personal.jit).toMatch(/^\d{10}-\d{5}$/);
    expect(personal.permalink).toBe(fixture('merchant_200').body.data.presigned_personal_data_auth.permalink);
    const again = await call(sb, 'GET', `/merchants/${sb.keys.publicKey}`);
    expect(again.body.data.presigned_acceptance.acceptance_token).not.toBe(token);
  });

  it('GET /merchants/info reads the x-merchant-public-key header', async () => {
    const ok = await call(sb, 'GET', '/merchants/info', { headers: { 'x-merchant-public-key': sb.keys.publicKey } });
    expect(ok.status).toBe(200);
    expect(ok.body.data.public_key).toBe(sb.keys.publicKey);
    const none = await call(sb, 'GET', '/merchants/info');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { type: 'INVALID_ACCESS_TOKEN', reason: MESSAGES.unauthorized.no_key } });
  });

  it('answers the merchant errors as captured (401 empty, 422 format, 404 unknown key, 401 production key, 404 route)', async () => {
    const empty = await call(sb, 'GET', '/merchants/');
    expect(empty.status).toBe(401);
    expect(empty.body).toEqual(fixture('merchant_401_no_key').body);
    const bad = await call(sb, 'GET', '/merchants/pub_INVALIDA');
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual(fixture('merchant_422_bad_public_key').body);
    const unknown = await call(sb, 'GET', `/merchants/pub_test_${'x'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { type: 'NOT_FOUND_ERROR', reason: MESSAGES.not_found } });
    const prod = `pub_prod_${'K'.repeat(32)}`;
    for (const r of [
      await call(sb, 'GET', `/merchants/${prod}`),
      await call(sb, 'GET', '/merchants/info', { headers: { 'x-merchant-public-key': prod } }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        error: { type: 'INVALID_ACCESS_TOKEN', reason: MESSAGES.unauthorized.wrong_environment },
      });
    }
    const route = await call(sb, 'GET', `/merchants-wrong-endpoint/${sb.keys.publicKey}`);
    expect(route.status).toBe(404);
    expect(route.body).toEqual(fixture('unknown_route_404').body);
  });

  it('refuses wrong keys with Wompi reasons (401 no key / other environment / unknown; 403 public on private routes)', async () => {
    const path = '/pse/financial_institutions';
    const cases: [string | undefined, number, string][] = [
      [undefined, 401, MESSAGES.unauthorized.no_key],
      [`pub_prod_${'a'.repeat(32)}`, 401, MESSAGES.unauthorized.wrong_environment],
      [`prv_prod_${'a'.repeat(32)}`, 401, MESSAGES.unauthorized.wrong_environment],
      [`pub_test_${'a'.repeat(32)}`, 401, MESSAGES.unauthorized.invalid_key],
    ];
    for (const [key, status, reason] of cases) {
      const r = await call(sb, 'GET', path, { key });
      expect([key, r.status, r.body]).toEqual([key, status, { error: { type: 'INVALID_ACCESS_TOKEN', reason } }]);
    }
    const pub = await call(sb, 'GET', '/transactions?reference=x', { key: sb.keys.publicKey });
    expect(pub.status).toBe(403);
    expect(pub.body).toEqual({ error: { type: 'INVALID_ACCESS_TOKEN', reason: MESSAGES.forbidden } });
  });

  it('acceptance tokens are single use: reuse is 422 "ya fue usado"', async () => {
    const tokens = await acceptance(sb);
    const tok = await call(sb, 'POST', '/tokens/cards', {
      key: sb.keys.publicKey,
      body: { number: '4242424242424242', cvc: '123', exp_month: '12', exp_year: '30', card_holder: 'Pedro Pérez' },
    });
    const pm = { type: 'CARD', token: tok.body.data.id, installments: 1 };
    const first = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, pm, tokens),
    });
    expect(first.status).toBe(201);
    const reuse = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, pm, tokens),
    });
    expect(reuse.status).toBe(422);
    expect(reuse.body).toEqual({
      error: { type: 'INPUT_VALIDATION_ERROR', messages: { acceptance_token: [MESSAGES.acceptance.used] } },
    });
  });

  it('a 422 for a bad signature consumes the token; a 401 does not', async () => {
    const tokens = await acceptance(sb);
    const unauth = await call(sb, 'POST', '/transactions', {
      key: `pub_test_${'z'.repeat(32)}`,
      body: await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' }, tokens),
    });
    expect(unauth.status).toBe(401);
    const badSig = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' }, { ...tokens, signature: 'f'.repeat(64) }),
    });
    expect(badSig.body.error.messages).toEqual({ signature: [MESSAGES.signature.invalid] });
    const after = await call(sb, 'POST', '/transactions', {
      key: sb.keys.publicKey,
      body: await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' }, tokens),
    });
    expect(after.body.error.messages).toEqual({ acceptance_token: [MESSAGES.acceptance.used] });
  });

  it('rejects missing, malformed, forged and swapped acceptance tokens', async () => {
    const pm = { type: 'NEQUI', phone_number: '3991111111' };
    const body = await txBody(sb, pm);
    const send = (over: Record<string, unknown>) =>
      call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body: { ...body, ...over } });
    const { acceptance_token: _a, ...withoutToken } = body;
    const missing = await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body: withoutToken });
    expect(missing.body.error.messages).toEqual({ acceptance_token: [MESSAGES.not_present] });
    expect((await send({ acceptance_token: 'not-a-jwt' })).body.error.messages).toEqual({
      acceptance_token: [MESSAGES.acceptance.format],
    });
    const real = fixture('merchant_200').body.data.presigned_acceptance.acceptance_token;
    expect((await send({ acceptance_token: real })).body.error.messages).toEqual({
      acceptance_token: [MESSAGES.acceptance.invalid],
    });
    expect((await send({ acceptance_token: body.accept_personal_auth })).body.error.messages).toEqual({
      acceptance_token: [MESSAGES.acceptance.invalid],
    });
  });
});
