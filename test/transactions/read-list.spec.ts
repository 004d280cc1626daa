/* GET /v1/transactions/:id and GET /v1/transactions: our store only, scoped to the caller,
 * cursor pagination and filters. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, cardBody, DECLINED_CARD } from './support';

type Json = Record<string, unknown>;
type Page = { data: Json[]; next_cursor: string | null };

describe('reading transactions', () => {
  let t: TestApp;
  let api: Api;
  const ids: string[] = [];
  const prefix = `list-${Date.now()}`;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
    for (let i = 0; i < 5; i++) {
      const r = await api.create(await cardBody(t.sandbox, undefined, { reference: `${prefix}-${i}` }));
      ids.push(String(r.body.id));
    }
    // one of them declined, and one payment of another caller
    await pgQuery(t.db.url, `update payments set status = 'DECLINED' where id = $1`, [ids[1]]);
    await Api.other(t).create(await cardBody(t.sandbox, DECLINED_CARD));
  });
  afterAll(async () => t?.close());

  it('reads one payment with its attempts', async () => {
    const r = await api.get(`/v1/transactions/${ids[0]}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: ids[0],
      reference: `${prefix}-0`,
      kind: 'TRANSACTION',
      amount_in_cents: 2_490_000,
      currency: 'COP',
    });
    expect(r.body.attempts).toHaveLength(1);
    expect((r.body.attempts as Json[])[0].wompi_transaction_id).toBe(r.body.wompi_transaction_id);
  });

  it('answers 400 for a malformed id and 404 for an unknown or foreign one', async () => {
    const bad = await api.get('/v1/transactions/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveProperty(['id']);
    expect((await api.get(`/v1/transactions/${randomUUID()}`)).status).toBe(404);
    expect((await Api.other(t).get(`/v1/transactions/${ids[0]}`)).status).toBe(404);
  });

  it("pages newest first with an opaque cursor, and only the caller's payments", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: Page } = await api.get<Page>(
        `/v1/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.data.map((p) => String(p.id)));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by reference, status and time', async () => {
    const byRef = await api.get<Page>(`/v1/transactions?reference=${prefix}-3`);
    expect(byRef.body.data.map((p) => p.id)).toEqual([ids[3]]);
    const declined = await api.get<Page>('/v1/transactions?status=DECLINED');
    expect(declined.body.data.map((p) => p.id)).toEqual([ids[1]]);
    const future = await api.get<Page>(
      `/v1/transactions?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(future.body).toEqual({ data: [], next_cursor: null });
    const past = await api.get<Page>(
      `/v1/transactions?to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=100`,
    );
    expect(past.body.data).toHaveLength(5);
  });

  it('refuses bad query parameters with 400 naming them', async () => {
    const r = await api.get('/v1/transactions?limit=101&status=MAYBE&from=yesterday&cursor=bm9wZQ');
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors as Json)).toEqual(expect.arrayContaining(['limit', 'status', 'from']));
    const badCursor = await api.get('/v1/transactions?cursor=bm9wZQ');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors).toHaveProperty(['cursor']);
  });
});
