import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { createTx, Json, MESSAGES, Receiver, Reply, startFast, waitFor } from './helpers';

/** A POST to one of the OTP service's URLs, as the buyer's browser would (no Wompi key). */
async function otp(url: string, bearer: string | undefined, body: Json = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers, text };
}

/** A form POST, as the payer page's forms send them. */
async function form(
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; type: string; html: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() };
}

/** The `action` of the page's form whose fields include `name` (resolved against the page URL). */
function actionOf(html: string, pageUrl: string, name: string): string {
  const forms = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
  const f = forms.find((x) => new RegExp(`name="${name}"`).test(x));
  if (!f) throw new Error(`no form with a field ${name} in ${html}`);
  return new URL(/action="([^"]+)"/.exec(f)![1], pageUrl).toString();
}

const hidden = (html: string, name: string): string =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

const PM = {
  type: 'DAVIPLATA',
  user_legal_id: '1099888777',
  user_legal_id_type: 'CC',
  payment_description: 'Pago Daviplata',
};

describe('sandbox: DAVIPLATA payments — OTP service and payer page (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens, #payment-methods, #sandbox-test-data)', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const status = async (id: string): Promise<string> =>
    (await fetch(`${sb.baseUrl}/transactions/${id}`).then((r) => r.json() as Promise<Json>)).data.status;

  it.each([
    ['574829', 'APPROVED', null],
    ['932015', 'DECLINED', 'La transacción fue rechazada (Sandbox)'],
    ['186743', 'DECLINED', 'Fondos Insuficientes'],
    ['999999', 'ERROR', 'La transacción tuvo un error (Sandbox)'],
  ])('with the Bearer, after send_otp: OTP %s → %s; a wrong OTP is retryable', async (code, final, message) => {
    const tx = await createTx(sb, PM);
    const { token, code_otp_send: send, code_otp_validate: validate } = tx.payment_method.extra.url_services;
    expect(send).toBe(`${sb.origin}/__sandbox/daviplata/${tx.id}/send_otp`);
    expect(validate).toBe(`${sb.origin}/__sandbox/daviplata/${tx.id}/validate_otp`);
    const sent = await otp(send, token);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ data: { id: tx.id, otp_sent: true }, meta: {} });
    for (let i = 0; i < 2; i++) {
      const wrong = await otp(validate, token, { otp: '123456' });
      expect(wrong.status).toBe(422);
      expect(wrong.body).toEqual({
        error: { type: 'INPUT_VALIDATION_ERROR', messages: { otp: ['Código OTP inválido, intenta de nuevo'] } },
      });
    }
    expect(await status(tx.id)).toBe('PENDING');
    const r = await otp(validate, token, { otp: code });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ id: tx.id, status: final, status_message: message });
    expect(await status(tx.id)).toBe(final);
  });

  it('the one-use Bearer is required (401 without it or with another one), send comes first (422), decided → 409', async () => {
    const tx = await createTx(sb, PM);
    const other = await createTx(sb, PM);
    const { token: bearer, code_otp_send: send, code_otp_validate: validate } = tx.payment_method.extra.url_services;
    const daviToken = await fetch(`${sb.baseUrl}/tokens/daviplata`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sb.keys.publicKey}` },
      body: JSON.stringify({ type_document: 'CC', number_document: '1099888777', product_number: '3991111111' }),
    }).then((r) => r.json() as Promise<Json>);
    // the audit's request: no Authorization, no send_otp, a valid OTP → must not approve
    const audit = await otp(validate, undefined, { otp: '574829' });
    expect(audit.status).toBe(401);
    expect(audit.body).toEqual({
      error: {
        type: 'INVALID_ACCESS_TOKEN',
        reason: 'Se esperaba el token de url_services pero no se recibió ninguno',
      },
    });
    for (const wrong of [
      undefined,
      'f'.repeat(32),
      other.payment_method.extra.url_services.token,
      daviToken.data.url_services.token,
      sb.keys.publicKey,
      sb.keys.privateKey,
    ]) {
      for (const [url, body] of [
        [send, {}],
        [validate, { otp: '574829' }],
      ] as const) {
        const r = await otp(url, wrong, body);
        expect([wrong, url, r.status, r.body.error?.type]).toEqual([wrong, url, 401, 'INVALID_ACCESS_TOKEN']);
      }
    }
    expect(await status(tx.id)).toBe('PENDING');
    const early = await otp(validate, bearer, { otp: '574829' });
    expect(early.status).toBe(422);
    expect(early.body).toEqual({
      error: { type: 'UNPROCESSABLE', reason: 'Primero se debe solicitar el envío del código OTP' },
    });
    expect(await status(tx.id)).toBe('PENDING');
    expect((await otp(send, bearer)).status).toBe(200);
    expect((await otp(send, bearer)).status).toBe(200); // resending is fine
    expect((await otp(validate, bearer, {})).body).toEqual({
      error: { type: 'INPUT_VALIDATION_ERROR', messages: { otp: [MESSAGES.not_present] } },
    });
    expect((await otp(validate, bearer, { otp: '574829' })).body.data.status).toBe('APPROVED');
    const again = await otp(validate, bearer, { otp: '932015' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: { type: 'CONFLICT', reason: 'La transacción ya está en estado APPROVED' } });
    expect((await otp(send, bearer)).status).toBe(409);
    expect(await status(tx.id)).toBe('APPROVED');
    expect(await status(other.id)).toBe('PENDING');
  });

  it('only DAVIPLATA payments waiting for an OTP have the service: other ids are 404', async () => {
    const nequi = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    for (const id of [nequi.id, '127050-1700000000-00000']) {
      const r = await otp(`${sb.origin}/__sandbox/daviplata/${id}/send_otp`, 'f'.repeat(32));
      expect([id, r.status, r.body]).toEqual([
        id,
        404,
        { error: { type: 'NOT_FOUND_ERROR', reason: MESSAGES.not_found } },
      ]);
    }
  });

  it('extra.url is a working payer page: the buyer asks for the OTP and enters it (wrong ones retry)', async () => {
    const tx = await createTx(sb, PM, { amount_in_cents: 2_490_000 });
    const url = tx.payment_method.extra.url as string;
    expect(url).toBe(`${sb.baseUrl}/payment_methods/redirect/daviplata?id=${tx.id}`);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(tx.id);
    expect(html).toContain(tx.reference);
    expect(html).toContain('2490000');
    // the page never shows the one-use Bearer
    expect(html).not.toContain(tx.payment_method.extra.url_services.token);

    const sendAction = actionOf(html, url, 'id');
    const validateAction = actionOf(html, url, 'otp');
    expect(new URL(sendAction).origin).toBe(sb.origin);
    // entering the OTP before asking for it: the OTP service's 422, shown on the page
    const early = await form(validateAction, { id: hidden(html, 'id'), otp: '574829' });
    expect(early.status).toBe(422);
    expect(early.type).toMatch(/^text\/html/);
    expect(early.html).toContain('Primero se debe solicitar el envío del código OTP');
    expect(await status(tx.id)).toBe('PENDING');

    const sent = await form(sendAction, { id: tx.id });
    expect(sent.status).toBe(200);
    expect(sent.html).toMatch(/Enviamos un código/);
    const wrong = await form(validateAction, { id: tx.id, otp: '123456' });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain('Código OTP inválido, intenta de nuevo');
    expect(wrong.html).toContain('name="otp"'); // the form is still there: retry
    expect(await status(tx.id)).toBe('PENDING');

    const ok = await form(validateAction, { id: tx.id, otp: '574829' });
    expect(ok.status).toBe(200);
    expect(ok.html).toContain('APPROVED');
    expect(ok.html).not.toContain('name="otp"');
    expect(await status(tx.id)).toBe('APPROVED');
    const after = await (await fetch(url)).text();
    expect(after).toContain('estado APPROVED');
    expect(after).not.toContain('<form');
    const late = await form(validateAction, { id: tx.id, otp: '574829' });
    expect(late.status).toBe(409);
  });

  it('the payer page: unknown ids are 404; other methods keep the decide buttons', async () => {
    expect((await fetch(`${sb.baseUrl}/payment_methods/redirect/daviplata?id=127050-1700000000-00000`)).status).toBe(
      404,
    );
    expect(
      (await form(`${sb.baseUrl}/payment_methods/redirect/daviplata/send_otp`, { id: '127050-1700000000-00000' }))
        .status,
    ).toBe(404);
    const transfer = await createTx(sb, {
      type: 'BANCOLOMBIA_TRANSFER',
      user_type: 'PERSON',
      payment_description: 'Pago',
    });
    expect((await form(`${sb.baseUrl}/payment_methods/redirect/daviplata/send_otp`, { id: transfer.id })).status).toBe(
      404,
    );
    const html = await (await fetch(transfer.payment_method.extra.async_payment_url)).text();
    expect(html).toContain(`/__sandbox/transactions/${transfer.id}/decide`);
    expect(html).not.toContain('name="otp"');
  });

  it('a Daviplata payment decided on the page sends its transaction.updated event like any other', async () => {
    const rx = await new Receiver().start();
    sb.setEventsUrl(rx.url);
    try {
      const tx = await createTx(sb, PM);
      const url = tx.payment_method.extra.url as string;
      const html = await (await fetch(url)).text();
      await form(actionOf(html, url, 'id'), { id: tx.id });
      await form(actionOf(html, url, 'otp'), { id: tx.id, otp: '932015' });
      const ev = await waitFor(
        () => rx.received.find((r) => r.body.data.transaction.id === tx.id),
        15_000,
        'the DECLINED event',
      );
      expect(ev.body.data.transaction).toMatchObject({ status: 'DECLINED', payment_method_type: 'DAVIPLATA' });
    } finally {
      sb.setEventsUrl(undefined);
      await rx.close();
    }
  });
});
