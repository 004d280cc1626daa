import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { acceptance, call, cardToken, integrity, MESSAGES, newRef, startFast, waitFor, waitForStatus } from './helpers';

describe('sandbox: payment sources and payment links', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const createSource = async (type: string, token: string) =>
    call(sb, 'POST', '/payment_sources', {
      key: sb.keys.privateKey,
      body: { type, token, customer_email: 'comprador@example.com', ...(await acceptance(sb)) },
    });

  const charge = async (sourceId: number, key = sb.keys.privateKey) => {
    const reference = newRef('src');
    return call(sb, 'POST', '/transactions', {
      key,
      body: {
        ...(await acceptance(sb)),
        amount_in_cents: 3_000_000,
        currency: 'COP',
        customer_email: 'comprador@example.com',
        reference,
        signature: integrity(reference, 3_000_000, 'COP', sb.keys.integritySecret),
        payment_source_id: sourceId,
        payment_method: { installments: 1 },
      },
    });
  };

  it('CARD source: AVAILABLE with an integer id; charging it needs the private key and follows the card', async () => {
    const token = await cardToken(sb, '4242424242424242');
    const r = await createSource('CARD', token);
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.data)).toEqual(['id', 'public_data', 'token', 'type', 'status', 'customer_email']);
    expect(r.body.data).toMatchObject({ type: 'CARD', status: 'AVAILABLE', token, public_data: { type: 'CARD' } });
    expect(Number.isInteger(r.body.data.id)).toBe(true);
    const got = await call(sb, 'GET', `/payment_sources/${r.body.data.id}`, { key: sb.keys.privateKey });
    expect(got.body.data).toEqual(r.body.data);
    expect((await charge(r.body.data.id, sb.keys.publicKey)).status).toBe(403);
    const tx = await charge(r.body.data.id);
    expect(tx.status).toBe(201);
    expect(tx.body.data.payment_source_id).toBe(r.body.data.id);
    await waitForStatus(sb, tx.body.data.id, 'APPROVED');
  });

  it('charging a CARD source needs payment_method.installments (docs/wompi.md#payment-sources); other sources may omit it', async () => {
    const src = (await createSource('CARD', await cardToken(sb, '4242424242424242'))).body.data;
    const attempt = async (over: Record<string, unknown>) => {
      const reference = newRef('src');
      const body: Record<string, unknown> = {
        ...(await acceptance(sb)),
        amount_in_cents: 3_000_000,
        currency: 'COP',
        customer_email: 'comprador@example.com',
        reference,
        signature: integrity(reference, 3_000_000, 'COP', sb.keys.integritySecret),
        payment_source_id: src.id,
        ...over,
      };
      return call(sb, 'POST', '/transactions', { key: sb.keys.privateKey, body });
    };
    const invalid = (messages: unknown) => ({ error: { type: 'INPUT_VALIDATION_ERROR', messages } });
    const none = await attempt({});
    expect(none.status).toBe(422);
    expect(none.body).toEqual(invalid({ payment_method: [MESSAGES.not_present] }));
    expect((await attempt({ payment_method: null })).body).toEqual(invalid({ payment_method: [MESSAGES.not_present] }));
    expect((await attempt({ payment_method: 'CARD' })).body).toEqual(
      invalid({ payment_method: ['Debe ser un objeto'] }),
    );
    expect((await attempt({ payment_method: {} })).body).toEqual(
      invalid({ payment_method: { messages: { installments: [MESSAGES.not_present] } } }),
    );
    for (const installments of [0, 37, 1.5, '2']) {
      expect([installments, (await attempt({ payment_method: { installments } })).body]).toEqual([
        installments,
        invalid({ payment_method: { messages: { installments: ['Debe ser un entero entre 1 y 36'] } } }),
      ]);
    }
    const ok = await attempt({ payment_method: { installments: 3 } });
    expect(ok.status).toBe(201);
    expect(ok.body.data.payment_method).toMatchObject({ type: 'CARD', installments: 3 });
  });

  it('NEQUI source needs an APPROVED Nequi token, else "La fuente de pago ha sido declinada"', async () => {
    const pending = await call(sb, 'POST', '/tokens/nequi', {
      key: sb.keys.publicKey,
      body: { phone_number: '3991111111' },
    });
    const early = await createSource('NEQUI', pending.body.data.id);
    expect(early.status).toBe(422);
    expect(early.body).toEqual({ error: { type: 'UNPROCESSABLE', reason: MESSAGES.source_declined } });
    await waitFor(async () =>
      (await call(sb, 'GET', `/tokens/nequi/${pending.body.data.id}`, { key: sb.keys.publicKey })).body.data.status ===
      'APPROVED'
        ? true
        : undefined,
    );
    const ok = await createSource('NEQUI', pending.body.data.id);
    expect(ok.status).toBe(201);
    expect(ok.body.data.public_data).toEqual({ type: 'NEQUI', phone_number: '3991111111' });
    const tx = await charge(ok.body.data.id);
    await waitForStatus(sb, tx.body.data.id, 'APPROVED');
  });

  it('void a source; a VOIDED source cannot be charged; unknown is 404; public key is 403', async () => {
    const src = await createSource('CARD', await cardToken(sb, '4242424242424242'));
    const v = await call(sb, 'PUT', `/payment_sources/${src.body.data.id}/void`, { key: sb.keys.privateKey });
    expect(v.status).toBe(200);
    expect(v.body.data.status).toBe('VOIDED');
    expect((await charge(src.body.data.id)).body.error.type).toBe('UNPROCESSABLE');
    expect((await call(sb, 'GET', '/payment_sources/999999', { key: sb.keys.privateKey })).status).toBe(404);
    expect((await call(sb, 'GET', `/payment_sources/${src.body.data.id}`, { key: sb.keys.publicKey })).status).toBe(
      403,
    );
  });

  it('payment links: create (test_ id, nulls for optional fields), read, deactivate, validate', async () => {
    const r = await call(sb, 'POST', '/payment_links', {
      key: sb.keys.privateKey,
      body: {
        name: 'Camiseta',
        description: 'Talla M',
        single_use: true,
        collect_shipping: false,
        currency: 'COP',
        amount_in_cents: 5_000_000,
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.data.id).toMatch(/^test_[A-Za-z0-9]{6}$/);
    expect(Object.keys(r.body.data)).toEqual([
      'id',
      'active',
      'name',
      'description',
      'single_use',
      'collect_shipping',
      'collect_customer_legal_id',
      'amount_in_cents',
      'currency',
      'signature',
      'reference',
      'expiration_time',
      'sku',
      'expires_at',
      'redirect_url',
      'image_url',
      'customer_data',
      'taxes',
      'created_at',
      'updated_at',
    ]);
    expect(r.body.data).toMatchObject({ active: true, amount_in_cents: 5_000_000, sku: null, expires_at: null });
    const got = await call(sb, 'GET', `/payment_links/${r.body.data.id}`, { key: sb.keys.privateKey });
    expect(got.body.data.id).toBe(r.body.data.id);
    const off = await call(sb, 'PATCH', `/payment_links/${r.body.data.id}`, {
      key: sb.keys.privateKey,
      body: { active: false },
    });
    expect(off.body.data.active).toBe(false);
    const bad = await call(sb, 'POST', '/payment_links', { key: sb.keys.privateKey, body: { currency: 'USD' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.messages).toEqual({
      name: [MESSAGES.not_present],
      description: [MESSAGES.not_present],
      single_use: [MESSAGES.not_present],
      collect_shipping: [MESSAGES.not_present],
      currency: [MESSAGES.currency],
    });
    expect((await call(sb, 'GET', '/payment_links/test_nope00', { key: sb.keys.privateKey })).status).toBe(404);
    expect((await call(sb, 'POST', '/payment_links', { key: sb.keys.publicKey, body: {} })).status).toBe(403);
  });
});
