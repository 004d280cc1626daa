/* References are per caller: one caller can neither probe (409) nor squat another's reference,
 * nor read its payment by reference. Wompi gets a reference derived from (caller, reference),
 * so the same reference used by two callers is two independent payments — end to end through
 * the sandbox, its webhooks, fulfilment and the outbox. */
import { randomUUID } from 'node:crypto';
import { wompiReferenceFor } from '../../src/transactions/references';
import { OTHER_CALLER, startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, cardBody, DECLINED_CARD, wompiTransactions } from './support';

type Json = Record<string, unknown>;
type Problem = { code: string; errors: Record<string, string[]> };

describe('per-caller references', () => {
  let t: TestApp;
  let orders: Api;
  let billing: Api;

  beforeAll(async () => {
    t = await startTestApp();
    orders = new Api(t);
    billing = Api.other(t);
  });
  afterAll(async () => t?.close());

  it('the same reference from two callers: two payments, neither caller sees or blocks the other, each webhook lands on its own payment', async () => {
    const reference = `shared-${randomUUID().slice(0, 8)}`;
    const a = await orders.create(await cardBody(t.sandbox, undefined, { reference, amount_in_cents: 2_490_000 }));
    expect(a.status).toBe(201);

    // billing cannot discover orders' reference by reading it …
    const probe = await billing.get(`/v1/transactions?reference=${reference}`);
    expect(probe.status).toBe(200);
    expect(probe.body.data).toEqual([]);

    // … nor by creating with it: no 409, its own payment
    const b = await billing.create<Json>(
      await cardBody(t.sandbox, DECLINED_CARD, { reference, amount_in_cents: 3_100_000 }),
    );
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(a.body.reference).toBe(reference);
    expect(b.body.reference).toBe(reference);
    expect(a.body.wompi_reference).toBe(wompiReferenceFor(TEST_CALLER, reference));
    expect(b.body.wompi_reference).toBe(wompiReferenceFor(OTHER_CALLER, reference));
    expect(a.body.wompi_reference).not.toBe(b.body.wompi_reference);
    for (const w of [a.body.wompi_reference, b.body.wompi_reference])
      expect(String(w)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);

    // Wompi holds one transaction per payment, under each payment's own Wompi reference
    const [atWompiA] = await wompiTransactions(t.sandbox, String(a.body.wompi_reference));
    const [atWompiB] = await wompiTransactions(t.sandbox, String(b.body.wompi_reference));
    expect(atWompiA).toMatchObject({ id: a.body.wompi_transaction_id, amount_in_cents: 2_490_000 });
    expect(atWompiB).toMatchObject({ id: b.body.wompi_transaction_id, amount_in_cents: 3_100_000 });
    expect(await wompiTransactions(t.sandbox, reference)).toEqual([]);

    // each caller reads only its own by reference
    const mineA = await orders.get(`/v1/transactions?reference=${reference}`);
    const mineB = await billing.get(`/v1/transactions?reference=${reference}`);
    expect((mineA.body.data as Json[]).map((p) => p.id)).toEqual([a.body.id]);
    expect((mineB.body.data as Json[]).map((p) => p.id)).toEqual([b.body.id]);
    expect((await billing.get(`/v1/transactions/${a.body.id}`)).status).toBe(404);

    // the webhooks (no confirm, no poll) move each payment to its own outcome
    const settledA = await orders.waitForStatus(String(a.body.id), ['APPROVED', 'DECLINED'], 20_000);
    const settledB = await billing.waitForStatus(String(b.body.id), ['APPROVED', 'DECLINED'], 20_000);
    expect(settledA.status).toBe('APPROVED');
    expect(settledB.status).toBe('DECLINED');

    const fulfilments = await waitFor(
      'both fulfilments',
      async () => {
        const rows = await pgQuery<{ payment_id: string; status: string; wompi_transaction_id: string }>(
          t.db.url,
          `select payment_id, status, wompi_transaction_id from fulfilments where payment_id = any($1::uuid[]) order by status`,
          [[a.body.id, b.body.id]],
        );
        return rows.length === 2 ? rows : undefined;
      },
      15_000,
      100,
    );
    expect(fulfilments).toEqual([
      { payment_id: a.body.id, status: 'APPROVED', wompi_transaction_id: a.body.wompi_transaction_id },
      { payment_id: b.body.id, status: 'DECLINED', wompi_transaction_id: b.body.wompi_transaction_id },
    ]);
    const inbox = await pgQuery<{ status: string }>(
      t.db.url,
      `select status from webhook_inbox where payload->'data'->'transaction'->>'reference' = any($1::text[])`,
      [[a.body.wompi_reference, b.body.wompi_reference]],
    );
    expect(inbox.length).toBeGreaterThanOrEqual(2);
    expect(inbox.every((r) => r.status === 'PROCESSED')).toBe(true);

    // events: subject is the caller's own reference; data tells the payments apart
    const events = await pgQuery<{ aggregate_id: string; event_type: string; payload: Json }>(
      t.db.url,
      `select aggregate_id, event_type, payload from outbox where aggregate_id = any($1::uuid[]) order by event_type`,
      [[a.body.id, b.body.id]],
    );
    expect(events.map((e) => [e.aggregate_id, e.event_type])).toEqual([
      [a.body.id, 'transaction.approved'],
      [b.body.id, 'transaction.declined'],
    ]);
    for (const [e, w] of [
      [events[0], a],
      [events[1], b],
    ] as const) {
      expect(e.payload).toMatchObject({
        subject: reference,
        data: { id: w.body.id, reference, wompi_reference: w.body.wompi_reference },
      });
    }
  });

  it('the same caller reusing its reference for another payment is still 409 REFERENCE_IN_USE', async () => {
    const reference = `own-${randomUUID().slice(0, 8)}`;
    expect((await billing.create(await cardBody(t.sandbox, undefined, { reference }))).status).toBe(201);
    const again = await billing.create<Problem>(
      await cardBody(t.sandbox, undefined, { reference, amount_in_cents: 3_000_000 }),
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('REFERENCE_IN_USE');
    expect(Object.keys(again.body.errors)).toEqual(['reference']);
    // and the other caller is still free to use it
    expect(
      (await orders.create(await cardBody(t.sandbox, undefined, { reference, amount_in_cents: 3_000_000 }))).status,
    ).toBe(201);
  });
});
