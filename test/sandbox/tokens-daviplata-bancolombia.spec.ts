import { createHash } from 'node:crypto';
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, deliveries, Json, MESSAGES, Receiver, Reply, startFast, waitFor } from './helpers';

/** Independent checksum (docs/wompi.md#events-and-the-checksum), sharing no code with the sandbox's signer. */
function verify(event: Json, secret: string): boolean {
  const values = (event.signature.properties as string[]).map((p) =>
    p.split('.').reduce((o: Json, k) => o[k], event.data),
  );
  const expected = createHash('sha256')
    .update(values.join('') + String(event.timestamp) + secret)
    .digest('hex');
  return expected === String(event.signature.checksum).toLowerCase();
}

/** A POST to one of the OTP service's URLs, as the buyer's browser would (no Wompi key). */
async function otp(url: string, bearer: string | undefined, body: Json = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers, text };
}

const CLIENT = { type_document: 'CC', number_document: '1099888777' };

describe('sandbox: Daviplata and Bancolombia transfer tokens (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens, #sandbox-test-data)', () => {
  let sb: RunningSandbox;
  let rx: Receiver;
  beforeAll(async () => {
    rx = await new Receiver().start();
    sb = await startFast({ eventsUrl: rx.url });
  });
  afterAll(async () => {
    await sb.close();
    await rx.close();
  });
  beforeEach(async () => {
    await sb.reset();
    rx.received.length = 0;
  });

  const daviplata = (phone: string, over: Json = {}) =>
    call(sb, 'POST', '/tokens/daviplata', {
      key: sb.keys.publicKey,
      body: { ...CLIENT, product_number: phone, ...over },
    });
  const getDaviplata = (id: string) => call(sb, 'GET', `/tokens/daviplata/${id}`, { key: sb.keys.publicKey });
  const bancolombia = (typeAuth: string, over: Json = {}) =>
    call(sb, 'POST', '/tokens/bancolombia_transfer', {
      key: sb.keys.publicKey,
      body: { redirect_url: 'https://tienda.example.com/cuenta', type_auth: typeAuth, ...over },
    });
  const getBancolombia = (id: string) =>
    call(sb, 'GET', `/tokens/bancolombia_transfer/${id}`, { key: sb.keys.publicKey });
  const decide = (id: string, status: string) =>
    call(sb, 'POST', `/__sandbox/tokens/bancolombia_transfer/${id}/decide`, { body: { status } });

  describe('POST /tokens/daviplata', () => {
    it('answers 201 PENDING with a daviplata_test_ id and the OTP service URLs on the sandbox', async () => {
      const r = await daviplata('3991111111');
      expect(r.status).toBe(201);
      expect(Object.keys(r.body)).toEqual(['data']);
      expect(Object.keys(r.body.data)).toEqual(['id', 'status', 'url_services']);
      expect(r.body.data.id).toMatch(/^daviplata_test_[A-Za-z0-9]{32}$/);
      expect(r.body.data.status).toBe('PENDING');
      const u = r.body.data.url_services;
      expect(Object.keys(u)).toEqual(['token', 'code_otp_send', 'code_otp_validate']);
      expect(u.token).toMatch(/^[0-9a-f]{32}$/);
      expect(u.code_otp_send).toBe(`${sb.origin}/__sandbox/daviplata/${r.body.data.id}/send_otp`);
      expect(u.code_otp_validate).toBe(`${sb.origin}/__sandbox/daviplata/${r.body.data.id}/validate_otp`);
      const got = await getDaviplata(r.body.data.id);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        data: {
          id: r.body.data.id,
          status: 'PENDING',
          status_message: null,
          client_info: { ...CLIENT, phone_number: '3991111111' },
        },
      });
    });

    it.each([
      ['3991111111', '574829', 'APPROVED', null],
      ['3991111111', '932016', 'DECLINED', 'Ya existe una suscripción para este producto Daviplata (Sandbox)'],
      ['3992222222', '574829', 'DECLINED', 'La suscripción fue rechazada (Sandbox)'],
      ['3993333333', '574829', 'DECLINED', 'La billetera Daviplata no es válida (Sandbox)'],
      ['3001234567', '574829', 'DECLINED', 'La suscripción fue rechazada (Sandbox)'],
    ])('phone %s + OTP %s → %s', async (phone, code, status, message) => {
      const t = (await daviplata(phone)).body.data;
      const { token, code_otp_send: send, code_otp_validate: validate } = t.url_services;
      const sent = await otp(send, token);
      expect(sent.status).toBe(200);
      expect(sent.body).toEqual({ data: { id: t.id, otp_sent: true }, meta: {} });
      // any other 6 digits: invalid OTP, the buyer may retry
      const wrong = await otp(validate, token, { otp: '123456' });
      expect(wrong.status).toBe(422);
      expect(wrong.body).toEqual({
        error: { type: 'INPUT_VALIDATION_ERROR', messages: { otp: ['Código OTP inválido, intenta de nuevo'] } },
      });
      expect((await getDaviplata(t.id)).body.data.status).toBe('PENDING');
      const r = await otp(validate, token, { otp: code });
      expect(r.status).toBe(200);
      expect(r.body.data).toMatchObject({ id: t.id, status, status_message: message });
      const got = await getDaviplata(t.id);
      expect(got.body.data).toEqual({
        id: t.id,
        status,
        status_message: message,
        client_info: { ...CLIENT, phone_number: phone },
      });
    });

    it('the OTP service wants url_services.token as Bearer, an OTP sent first, and is spent once decided', async () => {
      const t = (await daviplata('3991111111')).body.data;
      const other = (await daviplata('3991111111')).body.data;
      const { token, code_otp_send: send, code_otp_validate: validate } = t.url_services;
      for (const bearer of [undefined, 'f'.repeat(32), other.url_services.token, sb.keys.publicKey]) {
        const r = await otp(send, bearer);
        expect([bearer, r.status, r.body.error?.type]).toEqual([bearer, 401, 'INVALID_ACCESS_TOKEN']);
      }
      const early = await otp(validate, token, { otp: '574829' });
      expect(early.status).toBe(422);
      expect(early.body.error).toEqual({
        type: 'UNPROCESSABLE',
        reason: 'Primero se debe solicitar el envío del código OTP',
      });
      expect((await otp(send, token)).status).toBe(200);
      expect((await otp(send, token)).status).toBe(200); // resending the OTP is fine
      expect((await otp(validate, token, {})).body).toEqual({
        error: { type: 'INPUT_VALIDATION_ERROR', messages: { otp: [MESSAGES.not_present] } },
      });
      expect((await otp(validate, token, { otp: '574829' })).body.data.status).toBe('APPROVED');
      const again = await otp(validate, token, { otp: '932016' });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: { type: 'CONFLICT', reason: 'El token ya está en estado APPROVED' } });
      expect((await otp(send, token)).status).toBe(409);
      expect((await getDaviplata(t.id)).body.data.status).toBe('APPROVED');
      expect((await getDaviplata(other.id)).body.data.status).toBe('PENDING');
      expect((await otp(`${sb.origin}/__sandbox/daviplata/daviplata_test_nope/send_otp`, token)).status).toBe(404);
    });

    it("validation: Wompi field messages, then the Nequi token route's phone refusal", async () => {
      const empty = await call(sb, 'POST', '/tokens/daviplata', { key: sb.keys.publicKey, body: {} });
      expect(empty.status).toBe(422);
      expect(empty.body).toEqual({
        error: {
          type: 'INPUT_VALIDATION_ERROR',
          messages: {
            type_document: [MESSAGES.not_present],
            number_document: [MESSAGES.not_present],
            product_number: [MESSAGES.not_present],
          },
        },
      });
      const bad = await daviplata('3991111111', { type_document: 'XX', number_document: '12 34' });
      expect(bad.body).toEqual({
        error: {
          type: 'INPUT_VALIDATION_ERROR',
          messages: {
            type_document: ['Debe ser uno de estos: CC, CE, NIT, PP, TI'],
            number_document: [MESSAGES.bad_format],
          },
        },
      });
      const phone = await daviplata('12345');
      const nequi = await call(sb, 'POST', '/tokens/nequi', {
        key: sb.keys.publicKey,
        body: { phone_number: '12345' },
      });
      expect(phone.status).toBe(422);
      expect(phone.body.error.type).toBe('UNPROCESSABLE');
      expect(phone.body).toEqual(nequi.body);
      expect((await call(sb, 'POST', '/tokens/daviplata', { key: sb.keys.publicKey, body: [] })).status).toBe(422);
    });

    it('GET of an unknown id is 404 NOT_FOUND_ERROR', async () => {
      const r = await getDaviplata('daviplata_test_nope');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { type: 'NOT_FOUND_ERROR', reason: MESSAGES.not_found } });
    });

    it('sends no event: docs/wompi.md#events-and-the-checksum lists none for Daviplata tokens', async () => {
      const t = (await daviplata('3991111111')).body.data;
      await otp(t.url_services.code_otp_send, t.url_services.token);
      await otp(t.url_services.code_otp_validate, t.url_services.token, { otp: '574829' });
      // a later Bancolombia event proves the sender has run since the decision
      const b = (await bancolombia('TOKEN')).body.data;
      await decide(b.id, 'APPROVED');
      await waitFor(() => rx.received[0], 15_000, 'bancolombia event');
      expect((await deliveries(sb)).map((d) => d.event)).toEqual(['bancolombia_transfer_token.updated']);
      expect(rx.received.map((r) => r.body.event)).toEqual(['bancolombia_transfer_token.updated']);
    });
  });

  describe('POST /tokens/bancolombia_transfer', () => {
    const KEYS = [
      'id',
      'status',
      'status_message',
      'bank_account_type',
      'bank_account_last_four',
      'redirect_url',
      'authorization_url',
      'created_at',
      'updated_at',
    ];

    it('TOKEN: 201 PENDING with an authorization_url on the sandbox payer pages', async () => {
      const r = await bancolombia('TOKEN');
      expect(r.status).toBe(201);
      expect(Object.keys(r.body)).toEqual(['data']);
      expect(Object.keys(r.body.data)).toEqual(KEYS);
      expect(r.body.data).toMatchObject({
        status: 'PENDING',
        status_message: null,
        bank_account_type: null,
        bank_account_last_four: null,
        redirect_url: 'https://tienda.example.com/cuenta',
      });
      expect(r.body.data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.body.data.authorization_url).toBe(
        `${sb.baseUrl}/payment_methods/redirect/bancolombia_transfer_token?id=${r.body.data.id}`,
      );
      expect(r.body.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(r.body.data.updated_at).toBe(r.body.data.created_at);
      expect((await getBancolombia(r.body.data.id)).body).toEqual(r.body);
    });

    it('TRANSACTION: 201 AVAILABLE at once, nothing to authorise, no event', async () => {
      const r = await bancolombia('TRANSACTION');
      expect(r.status).toBe(201);
      expect(Object.keys(r.body.data)).toEqual(KEYS);
      expect(r.body.data).toMatchObject({ status: 'AVAILABLE', status_message: null, authorization_url: null });
      expect((await decide(r.body.data.id, 'APPROVED')).status).toBe(409);
      expect(await deliveries(sb)).toEqual([]);
    });

    it('the payer authorises on the page (its form) → APPROVED with CUENTA AHORROS ***1234 and a signed event', async () => {
      const t = (await bancolombia('TOKEN')).body.data;
      const page = await fetch(t.authorization_url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(t.id);
      const action = /action="([^"]+)"/.exec(html)?.[1];
      expect(action).toBe(`/__sandbox/tokens/bancolombia_transfer/${t.id}/decide`);
      const posted = await fetch(`${sb.origin}${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'status=APPROVED',
      });
      expect(posted.status).toBe(200);
      const got = await getBancolombia(t.id);
      expect(got.body.data).toMatchObject({
        id: t.id,
        status: 'APPROVED',
        status_message: null,
        bank_account_type: 'CUENTA AHORROS',
        bank_account_last_four: '***1234',
        redirect_url: t.redirect_url,
        authorization_url: t.authorization_url,
        created_at: t.created_at,
      });
      expect(Date.parse(got.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(t.created_at));
      expect(await (await fetch(t.authorization_url)).text()).not.toContain('<form');

      const ev = await waitFor(() => rx.received[0], 15_000, 'bancolombia_transfer_token.updated');
      expect(Object.keys(ev.body)).toEqual(['event', 'data', 'sent_at', 'timestamp', 'signature', 'environment']);
      expect(ev.body.event).toBe('bancolombia_transfer_token.updated');
      expect(ev.body.environment).toBe('test');
      expect(ev.body.data).toEqual({ bancolombia_transfer_token: got.body.data });
      expect(ev.body.signature.properties).toEqual([
        'bancolombia_transfer_token.id',
        'bancolombia_transfer_token.status',
      ]);
      expect(ev.body.signature.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(verify(ev.body, sb.keys.eventsSecret)).toBe(true);
      expect(verify(ev.body, 'test_events_wrong')).toBe(false);
      expect(ev.headers['x-event-checksum']).toBe(ev.body.signature.checksum);
      expect(ev.body.timestamp).toBe(Math.floor(Date.parse(ev.body.sent_at) / 1000));
      const log = await deliveries(sb);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({
        event: 'bancolombia_transfer_token.updated',
        transaction_id: null,
        bancolombia_transfer_token_id: t.id,
        status_sent: 'APPROVED',
      });
    });

    it('the payer refuses → DECLINED (event too); decided tokens, bad statuses and unknown ids are refused', async () => {
      const t = (await bancolombia('TOKEN')).body.data;
      expect((await decide(t.id, 'ERROR')).body).toEqual({
        error: { type: 'INPUT_VALIDATION_ERROR', messages: { status: ['Debe ser uno de estos: APPROVED, DECLINED'] } },
      });
      const r = await decide(t.id, 'DECLINED');
      expect(r.status).toBe(200);
      expect(r.body.data).toMatchObject({
        status: 'DECLINED',
        status_message: 'El usuario no autorizó la inscripción de la cuenta (Sandbox)',
        bank_account_type: null,
        bank_account_last_four: null,
      });
      expect((await decide(t.id, 'APPROVED')).status).toBe(409);
      expect((await getBancolombia(t.id)).body.data.status).toBe('DECLINED');
      const ev = await waitFor(() => rx.received[0], 15_000, 'DECLINED event');
      expect(ev.body.data.bancolombia_transfer_token).toMatchObject({ id: t.id, status: 'DECLINED' });
      expect(verify(ev.body, sb.keys.eventsSecret)).toBe(true);
      expect((await decide('00000000-0000-4000-8000-000000000000', 'APPROVED')).status).toBe(404);
      expect((await fetch(`${sb.baseUrl}/payment_methods/redirect/bancolombia_transfer_token?id=nope`)).status).toBe(
        404,
      );
    });

    it("validation: missing and malformed fields in Wompi's shape", async () => {
      const empty = await call(sb, 'POST', '/tokens/bancolombia_transfer', { key: sb.keys.publicKey, body: {} });
      expect(empty.status).toBe(422);
      expect(empty.body).toEqual({
        error: {
          type: 'INPUT_VALIDATION_ERROR',
          messages: { redirect_url: [MESSAGES.not_present], type_auth: [MESSAGES.not_present] },
        },
      });
      const bad = await bancolombia('BOTH', { redirect_url: 'not a url' });
      expect(bad.body).toEqual({
        error: {
          type: 'INPUT_VALIDATION_ERROR',
          messages: { redirect_url: [MESSAGES.bad_format], type_auth: ['Debe ser uno de estos: TOKEN, TRANSACTION'] },
        },
      });
      expect((await bancolombia('token')).status).toBe(422);
    });

    it('GET of an unknown id is 404 NOT_FOUND_ERROR', async () => {
      const r = await getBancolombia('00000000-0000-4000-8000-000000000000');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { type: 'NOT_FOUND_ERROR', reason: MESSAGES.not_found } });
    });
  });

  describe('keys: the same answers as the Nequi token routes', () => {
    const routes: [string, string, string, Json | undefined][] = [
      ['POST /tokens/daviplata', 'POST', '/tokens/daviplata', { ...CLIENT, product_number: '3991111111' }],
      ['GET /tokens/daviplata/{id}', 'GET', '/tokens/daviplata/daviplata_test_nope', undefined],
      [
        'POST /tokens/bancolombia_transfer',
        'POST',
        '/tokens/bancolombia_transfer',
        { redirect_url: 'https://tienda.example.com/', type_auth: 'TOKEN' },
      ],
      ['GET /tokens/bancolombia_transfer/{id}', 'GET', '/tokens/bancolombia_transfer/nope', undefined],
    ];
    const badKeys: [string, string | undefined, number, string][] = [
      ['no key', undefined, 401, MESSAGES.unauthorized.no_key],
      ['a production public key', `pub_prod_${'a'.repeat(32)}`, 401, MESSAGES.unauthorized.wrong_environment],
      ['a production private key', `prv_prod_${'a'.repeat(32)}`, 401, MESSAGES.unauthorized.wrong_environment],
      ['an unknown sandbox key', `pub_test_${'q'.repeat(32)}`, 401, MESSAGES.unauthorized.invalid_key],
      ['garbage', 'garbage', 401, MESSAGES.unauthorized.invalid_key],
    ];

    it.each(routes)('%s refuses bad keys exactly like the Nequi token routes', async (_name, method, path, body) => {
      for (const [what, key, status, reason] of badKeys) {
        const r = await call(sb, method, path, { key, body });
        const nequi = await call(sb, method, method === 'POST' ? '/tokens/nequi' : '/tokens/nequi/nequi_test_nope', {
          key,
          body: method === 'POST' ? { phone_number: '3991111111' } : undefined,
        });
        expect([what, r.status, r.body]).toEqual([what, status, { error: { type: 'INVALID_ACCESS_TOKEN', reason } }]);
        expect([what, r.status, r.body]).toEqual([what, nequi.status, nequi.body]);
      }
    });

    it('the public and the private key are both accepted (as on the Nequi routes)', async () => {
      for (const key of [sb.keys.publicKey, sb.keys.privateKey]) {
        const d = await call(sb, 'POST', '/tokens/daviplata', {
          key,
          body: { ...CLIENT, product_number: '3991111111' },
        });
        expect(d.status).toBe(201);
        expect((await call(sb, 'GET', `/tokens/daviplata/${d.body.data.id}`, { key })).status).toBe(200);
        const b = await call(sb, 'POST', '/tokens/bancolombia_transfer', {
          key,
          body: { redirect_url: 'https://tienda.example.com/', type_auth: 'TOKEN' },
        });
        expect(b.status).toBe(201);
        expect((await call(sb, 'GET', `/tokens/bancolombia_transfer/${b.body.data.id}`, { key })).status).toBe(200);
      }
    });
  });
});
