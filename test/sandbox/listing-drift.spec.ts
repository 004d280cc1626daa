/* The sandbox serves Wompi's date-range listing with paging, and drifts a transaction without a
 * webhook (what reconciliation runs are tested against). */
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, createTx, Json, startFast } from './helpers';

describe('sandbox: listing pages and silent drift', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const today = () => new Date().toISOString().slice(0, 10);
  const list = (q: string) => call(sb, 'GET', `/transactions?${q}`, { key: sb.keys.privateKey });

  it('pages oldest first without overlap or gap, with page, page_size, total_results and total_pages', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' })).id);
    const ids: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await list(`from_date=${today()}&until_date=${today()}&page=${page}&page_size=2&order=ASC`);
      expect(r.status).toBe(200);
      expect(r.body.meta).toEqual({ page, page_size: 2, total_results: 5, total_pages: 3 });
      ids.push(...r.body.data.map((t: Json) => t.id));
    }
    expect(ids).toEqual(created);
    expect((await list(`from_date=${today()}&until_date=${today()}&page=4&page_size=2`)).body.data).toEqual([]);
    expect(
      (
        await call(sb, 'GET', `/transactions?from_date=${today()}&until_date=${today()}&page=1&page_size=2`, {
          key: sb.keys.publicKey,
        })
      ).status,
    ).toBe(403);
  });

  it('refuses malformed paging, naming each field', async () => {
    const r = await list('from_date=2025-13-01&until_date=yesterday&page=0&page_size=501');
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.error.messages).sort()).toEqual(['from_date', 'page', 'page_size', 'until_date']);
  });

  it('drifts status and amount without sending a webhook', async () => {
    const tx = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const before = (await call(sb, 'GET', '/__sandbox/deliveries')).body.length;
    const r = await call(sb, 'POST', `/__sandbox/transactions/${tx.id}/drift`, {
      body: { status: 'DECLINED', amount_in_cents: 160_000 },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'DECLINED', amount_in_cents: 160_000 });
    const got = await call(sb, 'GET', `/transactions/${tx.id}`);
    expect(got.body.data).toMatchObject({ status: 'DECLINED', amount_in_cents: 160_000 });
    expect((await call(sb, 'GET', '/__sandbox/deliveries')).body.length).toBe(before);
    expect((await call(sb, 'POST', `/__sandbox/transactions/${tx.id}/drift`, { body: {} })).status).toBe(422);
    expect(
      (await call(sb, 'POST', `/__sandbox/transactions/${tx.id}/drift`, { body: { status: 'LOST' } })).status,
    ).toBe(422);
    expect(
      (await call(sb, 'POST', '/__sandbox/transactions/1-1-1/drift', { body: { status: 'APPROVED' } })).status,
    ).toBe(404);
  });
});
