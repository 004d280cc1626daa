import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, cardToken, createTx, fixture, MESSAGES, newRef, startFast, waitForStatus } from './helpers';

describe('sandbox: search by reference and void', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const approvedCard = async () => {
    const tx = await createTx(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 });
    return waitForStatus(sb, tx.id, 'APPROVED');
  };

  it('GET /transactions?reference= (private key) returns the transactions of that reference', async () => {
    const reference = newRef('search');
    const tx = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' }, { reference });
    await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const r = await call(sb, 'GET', `/transactions?reference=${encodeURIComponent(reference)}`, {
      key: sb.keys.privateKey,
    });
    expect(r.status).toBe(200);
    expect(r.body.data.map((t: { id: string }) => t.id)).toEqual([tx.id]);
    expect(r.body.meta).toEqual({});
    expect((await call(sb, 'GET', `/transactions?reference=${reference}`, { key: sb.keys.publicKey })).status).toBe(
      403,
    );
    expect((await call(sb, 'GET', `/transactions?reference=${reference}`)).status).toBe(401);
  });

  it('without reference it needs from_date, until_date, page and page_size', async () => {
    const r = await call(sb, 'GET', '/transactions', { key: sb.keys.privateKey });
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.error.messages)).toEqual(['from_date', 'until_date', 'page', 'page_size']);
    const today = new Date().toISOString().slice(0, 10);
    const page = await call(sb, 'GET', `/transactions?from_date=${today}&until_date=${today}&page=1&page_size=1`, {
      key: sb.keys.privateKey,
    });
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.meta.total_results).toBeGreaterThanOrEqual(2);
  });

  it('void: APPROVED card → 201 with data.status APPROVED and trace_id, later VOIDED', async () => {
    const tx = await approvedCard();
    const r = await call(sb, 'POST', `/transactions/${tx.id}/void`, { key: sb.keys.privateKey, body: {} });
    const real = fixture('void_approved').body;
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.data)).toEqual(Object.keys(real.data));
    expect(r.body.data.status).toBe('APPROVED');
    expect(r.body.data.transaction.status).toBe('APPROVED');
    expect(r.body.meta.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await waitForStatus(sb, tx.id, 'VOIDED');
    const again = await call(sb, 'POST', `/transactions/${tx.id}/void`, { key: sb.keys.privateKey });
    expect(again.status).toBe(422);
  });

  it('void refuses non-card, non-approved, the public key, and unknown ids (404 + trace_id)', async () => {
    const nequi = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitForStatus(sb, nequi.id, 'APPROVED');
    expect(
      (await call(sb, 'POST', `/transactions/${nequi.id}/void`, { key: sb.keys.privateKey })).body.error.type,
    ).toBe('UNPROCESSABLE');
    const declined = await createTx(sb, {
      type: 'CARD',
      token: await cardToken(sb, '4111111111111111'),
      installments: 1,
    });
    await waitForStatus(sb, declined.id, 'DECLINED');
    expect((await call(sb, 'POST', `/transactions/${declined.id}/void`, { key: sb.keys.privateKey })).status).toBe(422);
    const tx = await approvedCard();
    expect((await call(sb, 'POST', `/transactions/${tx.id}/void`, { key: sb.keys.publicKey })).status).toBe(403);
    const missing = await call(sb, 'POST', '/transactions/127050-1700000000-12345/void', { key: sb.keys.privateKey });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual(fixture('void_404').body.error);
    expect(missing.body.meta.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const partial = await call(sb, 'POST', `/transactions/${tx.id}/void`, {
      key: sb.keys.privateKey,
      body: { amount_in_cents: 1 },
    });
    expect(partial.status).toBe(422);
    expect(partial.body.error).toEqual({
      type: 'INPUT_VALIDATION_ERROR',
      messages: { amount_in_cents: ['El sandbox solo admite anulaciones por el valor total'] },
    });
    expect(partial.body.meta.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const nequiVoid = await call(sb, 'POST', `/transactions/${nequi.id}/void`, { key: sb.keys.privateKey });
    expect(nequiVoid.body.meta.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(MESSAGES.not_found).toBe('La entidad solicitada no existe');
  });
});
