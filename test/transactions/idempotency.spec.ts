/* Idempotency of POST /v1/transactions: replay, mismatch, concurrency, and a retry whose
 * idempotency record was lost — none of them may make a second Wompi payment. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, cardBody, wompiTransactions } from './support';

type Json = Record<string, unknown>;

describe('POST /v1/transactions: idempotency', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('replays the first response for the same key and body, with Idempotent-Replayed', async () => {
    const key = randomUUID();
    const body = await cardBody(t.sandbox);
    const first = await api.create(body, key);
    expect(first.status).toBe(201);
    const again = await api.create(body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await wompiTransactions(t.sandbox, String(first.body.wompi_reference))).toHaveLength(1);
  });

  it('refuses the same key with another body (422)', async () => {
    const key = randomUUID();
    const body = await cardBody(t.sandbox);
    expect((await api.create(body, key)).status).toBe(201);
    const other = await api.create<Json>({ ...body, amount_in_cents: 3_000_000 }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
  });

  it('20 parallel identical requests create exactly one Wompi transaction; the others are 409 or replays', async () => {
    const key = randomUUID();
    const body = await cardBody(t.sandbox);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.create(body, key)));
    const elapsed = Date.now() - started;
    const statuses = answers.map((a) => a.status);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    const reference = String(created[0].body.wompi_reference);
    const atWompi = await wompiTransactions(t.sandbox, reference);
    expect(atWompi).toHaveLength(1);
    const rows = await pgQuery(t.db.url, 'select id from payments where wompi_reference = $1', [reference]);
    expect(rows).toHaveLength(1);
    console.log(
      `20 parallel identical creates: ${created.length}×201, ${statuses.filter((s) => s === 409).length}×409, ${atWompi.length} Wompi transaction(s), ${elapsed} ms`,
    );
  });

  it('a retry after the idempotency record was lost finds the same payment (reference derived from the key)', async () => {
    const key = randomUUID();
    const body = await cardBody(t.sandbox);
    const first = await api.create(body, key);
    expect(first.status).toBe(201);
    await pgQuery(t.db.url, 'delete from idempotency_keys where key = $1', [key]);
    const retry = await api.create(body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.reference).toBe(first.body.reference);
    expect(await wompiTransactions(t.sandbox, String(first.body.wompi_reference))).toHaveLength(1);
  });

  it('an intent whose request died before calling Wompi is created once on retry, not twice', async () => {
    // The crash: an intent recorded minutes ago, never sent (no Wompi id), its idempotency record gone.
    const key2 = randomUUID();
    const body2 = await cardBody(t.sandbox);
    const intent = await pgQuery<{ id: string }>(
      t.db.url,
      `insert into payments (reference, wompi_reference, caller, status, amount_in_cents, customer_email, created_at, updated_at) values ($1, $1, 'orders', 'PENDING', $2, $3, now() - interval '5 minutes', now() - interval '5 minutes') returning id`,
      [`crash-${key2}`, body2.amount_in_cents, body2.customer_email],
    );
    await pgQuery(
      t.db.url,
      `insert into payment_attempts (payment_id, status, amount_in_cents) values ($1, 'UNKNOWN', $2)`,
      [intent[0].id, body2.amount_in_cents],
    );
    const retry = await api.create({ ...body2, reference: `crash-${key2}` }, key2);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(intent[0].id);
    expect(retry.body.wompi_transaction_id).toBeTruthy();
    expect(await wompiTransactions(t.sandbox, `crash-${key2}`)).toHaveLength(1);
    // and once more with yet another key: found, not created again
    const third = await api.create({ ...body2, reference: `crash-${key2}` });
    expect(third.status).toBe(201);
    expect(third.body.id).toBe(intent[0].id);
    expect(await wompiTransactions(t.sandbox, `crash-${key2}`)).toHaveLength(1);
  });
});
