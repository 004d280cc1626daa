/* POST /v1/transactions/confirm (a Wompi redirect's id, never trusted alone) and
 * POST /v1/transactions/:id/void (APPROVED cards only). */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, APPROVED_CARD, cardBody, createAtWompi, createBody, DECLINED_CARD } from './support';

type Json = Record<string, unknown>;

describe('confirm and void', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    // webhooks off: only confirm (and void's own fetch) may move our records here
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  const sourcesOf = async (id: string) =>
    (
      await pgQuery<{ source: string }>(
        t.db.url,
        'select source from payment_status_history where payment_id = $1 order by id',
        [id],
      )
    ).map((r) => r.source);

  it('confirm fetches the transaction from Wompi and applies it to our payment', async () => {
    const r = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    const wompiId = String(r.body.wompi_transaction_id);
    const confirmed = await waitFor('confirm to see APPROVED', async () => {
      const c = await api.post('/v1/transactions/confirm', { wompi_transaction_id: wompiId });
      expect(c.status).toBe(200);
      return c.body.status === 'APPROVED' ? c.body : undefined;
    });
    expect(confirmed).toMatchObject({ id: r.body.id, reference: r.body.reference, wompi_transaction_id: wompiId });
    expect((confirmed.attempts as Json[])[0]).toMatchObject({ wompi_transaction_id: wompiId, status: 'APPROVED' });
    expect(await sourcesOf(String(r.body.id))).toContain('confirm');
  });

  it('confirm answers 404 for an id Wompi does not know, a reference that is not ours, or another caller', async () => {
    expect(
      (await api.post('/v1/transactions/confirm', { wompi_transaction_id: '99999-0000000000-00000' })).status,
    ).toBe(404);
    const foreign = await createAtWompi(t.sandbox, `foreign-${randomUUID()}`, 2_490_000);
    expect((await api.post('/v1/transactions/confirm', { wompi_transaction_id: foreign.id })).status).toBe(404);
    const mine = await api.create(await cardBody(t.sandbox));
    const asOther = await Api.other(t).post('/v1/transactions/confirm', {
      wompi_transaction_id: mine.body.wompi_transaction_id,
    });
    expect(asOther.status).toBe(404);
    expect((await api.post('/v1/transactions/confirm', { wompi_transaction_id: 'no spaces allowed' })).status).toBe(
      400,
    );
  });

  it('confirm refuses with 409 when Wompi reports another amount, and records the anomaly', async () => {
    const reference = `mismatch-${randomUUID()}`;
    const ours = await pgQuery<{ id: string }>(
      t.db.url,
      `insert into payments (reference, wompi_reference, caller, status, amount_in_cents) values ($1, $1, 'orders', 'PENDING', 2490000) returning id`,
      [reference],
    );
    const theirs = await createAtWompi(t.sandbox, reference, 150_000);
    const r = await api.post('/v1/transactions/confirm', { wompi_transaction_id: theirs.id });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('AMOUNT_MISMATCH');
    const anomalies = await pgQuery<{ kind: string; source: string; expected: Json; actual: Json }>(
      t.db.url,
      'select kind, source, expected, actual from payment_anomalies where payment_id = $1',
      [ours[0].id],
    );
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      kind: 'amount',
      source: 'confirm',
      expected: { amount_in_cents: 2_490_000 },
      actual: { amount_in_cents: 150_000 },
    });
    const read = await api.get(`/v1/transactions/${ours[0].id}`);
    expect(read.body).toMatchObject({ status: 'PENDING', wompi_transaction_id: null });
  });

  it('voids an APPROVED card payment: answered at once, VOIDED once Wompi finalises it', async () => {
    const r = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    const id = String(r.body.id);
    await api.settle(id, ['APPROVED']);
    const v = await api.post(`/v1/transactions/${id}/void`, {}, randomUUID());
    expect(v.status).toBe(200);
    expect(['APPROVED', 'VOIDED']).toContain(v.body.status);
    const voided = await api.settle(id, ['VOIDED']);
    expect(voided.status).toBe('VOIDED');
    const events = await pgQuery<{ event_type: string }>(
      t.db.url,
      'select event_type from outbox where aggregate_id = $1 order by id',
      [id],
    );
    expect(events.map((e) => e.event_type)).toEqual(['transaction.approved', 'transaction.voided']);
  });

  it('refuses to void a DECLINED card or an approved non-card payment (409 with the reason)', async () => {
    const declined = await api.create(await cardBody(t.sandbox, DECLINED_CARD));
    await api.settle(String(declined.body.id), ['DECLINED']);
    const v1 = await api.post(`/v1/transactions/${String(declined.body.id)}/void`, {}, randomUUID());
    expect(v1.status).toBe(409);
    expect(v1.body).toMatchObject({ code: 'INVALID_STATE', reason: 'status', current_status: 'DECLINED' });

    const nequi = await api.create(
      await createBody(t.sandbox, { payment_method: { type: 'NEQUI', phone_number: '3991111111' } }),
    );
    await api.settle(String(nequi.body.id), ['APPROVED']);
    const v2 = await api.post(`/v1/transactions/${String(nequi.body.id)}/void`, {}, randomUUID());
    expect(v2.status).toBe(409);
    expect(v2.body).toMatchObject({ code: 'INVALID_STATE', reason: 'payment_method', payment_method_type: 'NEQUI' });

    expect((await api.post(`/v1/transactions/${randomUUID()}/void`, {}, randomUUID())).status).toBe(404);
    expect((await api.post(`/v1/transactions/${String(declined.body.id)}/void`, {})).status).toBe(400); // Idempotency-Key required
  });
});
