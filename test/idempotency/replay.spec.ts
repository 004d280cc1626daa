/* Idempotency-Key semantics through HTTP (the service contract): replay with the header, 422 on another
 * body, scoping by API key, header validation, replayed client errors. Exercised on
 * POST /v1/checkout-sessions, an @Idempotent() route. */
import { OTHER_API_KEY, startTestApp, TEST_CALLER, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { newKey, post, session } from './helpers';

const PATH = '/v1/checkout-sessions';

describe('Idempotency-Key: replay, mismatch, scope', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('same key and same body → the stored first response again, with Idempotent-Replayed: true', async () => {
    const key = newKey();
    const first = await post(t, PATH, session({ metadata: { order_id: 'A-1' } }), { key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // same body, keys in another order: still the same request
    const again = await post(
      t,
      PATH,
      { metadata: { order_id: 'A-1' }, currency: 'COP', amount_in_cents: 2_490_000 },
      { key },
    );
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);

    const rows = await pgQuery<{ n: string }>(
      t.db.url,
      `select count(*) as n from payments where caller = $1 and metadata->>'order_id' = 'A-1'`,
      [TEST_CALLER],
    );
    expect(Number(rows[0].n)).toBe(1);
    const [record] = await pgQuery<{
      state: string;
      response_status: number;
      resource_id: string;
      expires_at: Date;
      created_at: Date;
    }>(
      t.db.url,
      `select state, response_status, resource_id, expires_at, created_at from idempotency_keys where caller = $1 and key = $2`,
      [TEST_CALLER, key],
    );
    expect(record).toMatchObject({ state: 'COMPLETED', response_status: 201, resource_id: first.body.id });
    // kept at least 24 h
    expect(new Date(record.expires_at).getTime() - new Date(record.created_at).getTime()).toBeGreaterThanOrEqual(
      24 * 3600_000 - 1000,
    );
  });

  it('same key, other body → 422 problem, and nothing new is created', async () => {
    const key = newKey();
    const first = await post(t, PATH, session({ reference: `mm-${key}` }), { key });
    expect(first.status).toBe(201);
    const other = await post(t, PATH, session({ reference: `mm-${key}`, amount_in_cents: 2_490_001 }), { key });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_MISMATCH' });
    const rows = await pgQuery<{ amount_in_cents: string }>(
      t.db.url,
      `select amount_in_cents from payments where reference = $1`,
      [`mm-${key}`],
    );
    expect(rows.map((r) => Number(r.amount_in_cents))).toEqual([2_490_000]);
  });

  it('keys are scoped to the calling API key: the same key from another caller is independent', async () => {
    const key = newKey('shared');
    const mine = await post(t, PATH, session({ amount_in_cents: 300_000 }), { key });
    const theirs = await post(t, PATH, session({ amount_in_cents: 400_000 }), {
      key,
      auth: { Authorization: `Bearer ${OTHER_API_KEY}` },
    });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.reference).not.toBe(mine.body.reference);
    expect(theirs.body.amount_in_cents).toBe(400_000);
    // and each caller replays its own
    const mineAgain = await post(t, PATH, session({ amount_in_cents: 300_000 }), { key });
    expect(mineAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(mineAgain.body.id).toBe(mine.body.id);
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['over 255 characters', 'k'.repeat(256)],
  ])('Idempotency-Key %s → 400 naming the header', async (_what, key) => {
    const r = await post(t, PATH, session(), { key });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect(Object.keys(r.body.errors)).toEqual(['Idempotency-Key']);
    expect(r.body.errors['Idempotency-Key'][0]).toEqual(expect.any(String));
  });

  it('a 255-character key is accepted', async () => {
    const r = await post(t, PATH, session(), { key: newKey().padEnd(255, 'x') });
    expect(r.status).toBe(201);
  });

  it('a deterministic client error is stored and replayed; the key cannot be reused for another body', async () => {
    const key = newKey();
    const bad = { amount_in_cents: 100, currency: 'USD' };
    const first = await post(t, PATH, bad, { key });
    expect(first.status).toBe(400);
    expect(Object.keys(first.body.errors).sort()).toEqual(['amount_in_cents', 'currency']);
    const again = await post(t, PATH, bad, { key });
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toEqual(first.body);
    const fixed = await post(t, PATH, session(), { key });
    expect(fixed.status).toBe(422);
  });

  it('a 409 (reference taken) is not stored: the same key may try again', async () => {
    const reference = `taken-${newKey()}`;
    expect((await post(t, PATH, session({ reference }), { key: newKey() })).status).toBe(201);
    const key = newKey();
    const conflict = await post(t, PATH, session({ reference, amount_in_cents: 999_999 }), { key });
    expect(conflict.status).toBe(409);
    expect(conflict.body.errors).toHaveProperty('reference');
    const rows = await pgQuery(t.db.url, `select 1 from idempotency_keys where caller = $1 and key = $2`, [
      TEST_CALLER,
      key,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('no API key → 401 before any key is claimed', async () => {
    const key = newKey();
    const r = await post(t, PATH, session(), { key, auth: { Authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
    const rows = await pgQuery(t.db.url, `select 1 from idempotency_keys where key = $1`, [key]);
    expect(rows).toHaveLength(0);
  });
});
