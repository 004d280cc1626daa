/* The state machine through PaymentStateService on the real schema: late or older reports
 * never move a final payment back; a buyer retry that is APPROVED wins. */
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { DataSource } from 'typeorm';
import { PaymentEntity } from '../../src/transactions/entities/payment.entity';
import { PaymentStateService } from '../../src/transactions/payment-state.service';
import { WompiTransaction } from '../../src/wompi/wompi.types';
import { insertPayment, newReference, syntheticTx } from '../fulfilment/support';
import { Api, cardBody, DECLINED_CARD } from './support';

describe('state machine regressions', () => {
  let t: TestApp;
  let api: Api;
  let state: PaymentStateService;
  const snapshot = async (id: string) => ({
    payment: (
      await pgQuery<{ status: string; version: number }>(
        t.db.url,
        'select status, version from payments where id = $1',
        [id],
      )
    )[0],
    history: await pgQuery(
      t.db.url,
      'select id, from_status, to_status, source from payment_status_history where payment_id = $1 order by id',
      [id],
    ),
    events: await pgQuery(t.db.url, 'select event_type from outbox where aggregate_id = $1', [id]),
  });

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
    state = t.app.get(PaymentStateService);
  });
  afterAll(async () => t?.close());

  it('an older PENDING after APPROVED leaves the payment APPROVED and the history unchanged', async () => {
    const r = await api.create(await cardBody(t.sandbox));
    const id = String(r.body.id);
    const approved = await api.settle(id, ['APPROVED']);
    const before = await snapshot(id);
    expect(before.payment.status).toBe('APPROVED');

    const wompiTx = (
      await pgQuery<{ snapshot: WompiTransaction }>(
        t.db.url,
        'select snapshot from payment_attempts where payment_id = $1',
        [id],
      )
    )[0].snapshot;
    for (const source of ['webhook', 'poll', 'reconciliation'] as const) {
      const late = await state.apply(
        { ...wompiTx, status: 'PENDING', status_message: null, finalized_at: null },
        source,
      );
      expect(late.outcome).toBe('stale');
    }
    // a DECLINED for the transaction we recorded APPROVED is not late but contradictory: refused and recorded
    const declinedLate = await state.apply({ ...wompiTx, status: 'DECLINED' }, 'webhook');
    expect(declinedLate.outcome).toBe('contradiction');
    expect(await snapshot(id)).toEqual(before);
    expect(await pgQuery(t.db.url, 'select kind, source from payment_anomalies where payment_id = $1', [id])).toEqual([
      { kind: 'status_contradiction', source: 'webhook' },
    ]);
    expect((await api.get(`/v1/transactions/${id}`)).body.updated_at).toBe(approved.updated_at);
  });

  it('an APPROVED after DECLINED for the same Wompi transaction is refused and recorded, from every source', async () => {
    const r = await api.create(await cardBody(t.sandbox, DECLINED_CARD));
    const id = String(r.body.id);
    await api.settle(id, ['DECLINED']);
    const wompiTx = (
      await pgQuery<{ snapshot: WompiTransaction }>(
        t.db.url,
        'select snapshot from payment_attempts where payment_id = $1',
        [id],
      )
    )[0].snapshot;
    const before = await snapshot(id);
    for (const source of ['webhook', 'poll', 'confirm'] as const)
      expect((await state.apply({ ...wompiTx, status: 'APPROVED' }, source)).outcome).toBe('contradiction');
    expect(await snapshot(id)).toEqual(before);
    expect(
      await pgQuery(t.db.url, 'select kind, source from payment_anomalies where payment_id = $1 order by id', [id]),
    ).toEqual(['webhook', 'poll', 'confirm'].map((source) => ({ kind: 'status_contradiction', source })));
  });

  it('an APPROVED after VOIDED is late, not a contradiction', async () => {
    const r = await api.create(await cardBody(t.sandbox));
    const id = String(r.body.id);
    await api.settle(id, ['APPROVED']);
    const wompiTx = (
      await pgQuery<{ snapshot: WompiTransaction }>(
        t.db.url,
        'select snapshot from payment_attempts where payment_id = $1',
        [id],
      )
    )[0].snapshot;
    expect((await state.apply({ ...wompiTx, status: 'VOIDED' }, 'webhook')).outcome).toBe('changed');
    expect((await state.apply({ ...wompiTx, status: 'APPROVED' }, 'webhook')).outcome).toBe('stale');
    expect(await pgQuery(t.db.url, 'select kind from payment_anomalies where payment_id = $1', [id])).toEqual([]);
  });

  it('a report whose Wompi id another payment holds is refused and recorded, moving neither payment', async () => {
    // Wompi never repeats an id; the sandbox once did, and the report then moved the other payment's attempt
    const a = String((await api.create(await cardBody(t.sandbox))).body.id);
    const b = String((await api.create(await cardBody(t.sandbox))).body.id);
    const attempt = async (id: string) =>
      (
        await pgQuery<{ snapshot: WompiTransaction; status: string; wompi_transaction_id: string }>(
          t.db.url,
          'select snapshot, status, wompi_transaction_id from payment_attempts where payment_id = $1',
          [id],
        )
      )[0];
    const [attemptA, attemptB] = [await attempt(a), await attempt(b)];
    const before = [await snapshot(a), await snapshot(b)];
    // B's transaction as Wompi would report it, but carrying the id A's attempt holds
    const report = { ...attemptB.snapshot, id: attemptA.wompi_transaction_id, status: 'APPROVED' as const };
    for (const source of ['webhook', 'poll'] as const)
      expect((await state.apply(report, source)).outcome).toBe('mismatch');
    expect([await snapshot(a), await snapshot(b)]).toEqual(before);
    expect((await attempt(a)).status).toBe(attemptA.status);
    expect((await attempt(b)).status).toBe(attemptB.status);
    expect(
      await pgQuery(t.db.url, 'select payment_id, kind, source from payment_anomalies where payment_id in ($1, $2)', [
        a,
        b,
      ]),
    ).toEqual(['webhook', 'poll'].map((source) => ({ payment_id: b, kind: 'transaction_of_another_payment', source })));
  });

  it('the same APPROVED report twice changes nothing the second time (one event per state)', async () => {
    const r = await api.create(await cardBody(t.sandbox));
    const id = String(r.body.id);
    await api.settle(id, ['APPROVED']);
    const wompiTx = (
      await pgQuery<{ snapshot: WompiTransaction }>(
        t.db.url,
        'select snapshot from payment_attempts where payment_id = $1',
        [id],
      )
    )[0].snapshot;
    const before = await snapshot(id);
    expect((await state.apply(wompiTx, 'webhook')).outcome).toBe('stale');
    expect(await snapshot(id)).toEqual(before);
    expect(before.events).toEqual([{ event_type: 'transaction.approved' }]);
  });

  it('an APPROVED attempt on a payment voided after its approval is a duplicate approval: recorded, alerted, the payment stays VOIDED', async () => {
    const r = await api.create(await cardBody(t.sandbox));
    const id = String(r.body.id);
    await api.settle(id, ['APPROVED']);
    const wompiTx = (
      await pgQuery<{ snapshot: WompiTransaction }>(
        t.db.url,
        'select snapshot from payment_attempts where payment_id = $1',
        [id],
      )
    )[0].snapshot;
    expect((await state.apply({ ...wompiTx, status: 'VOIDED' }, 'webhook')).outcome).toBe('changed');
    const before = await snapshot(id);
    const second = { ...wompiTx, id: `${wompiTx.id}-retry`, status: 'APPROVED' as const };
    expect((await state.apply(second, 'webhook')).outcome).toBe('unchanged');
    expect((await state.apply(second, 'poll')).outcome).toBe('stale'); // the same report again: nothing more
    expect(await snapshot(id)).toEqual(before);
    expect(before.events).toEqual([{ event_type: 'transaction.approved' }, { event_type: 'transaction.voided' }]);
    expect(
      await pgQuery(
        t.db.url,
        'select kind, source, wompi_transaction_id, expected from payment_anomalies where payment_id = $1',
        [id],
      ),
    ).toEqual([
      {
        kind: 'duplicate_approval',
        source: 'webhook',
        wompi_transaction_id: second.id,
        expected: {
          status: 'VOIDED',
          payment_status: 'VOIDED',
          approved_wompi_transaction_id: wompiTx.id,
          approved_attempt_status: 'VOIDED',
        },
      },
    ]);
    expect(
      (
        await pgQuery<{ status: string }>(
          t.db.url,
          'select status from payment_attempts where payment_id = $1 order by created_at',
          [id],
        )
      ).map((a) => a.status),
    ).toEqual(['VOIDED', 'APPROVED']);
  });

  it('a payment ERROR because Wompi never created it becomes APPROVED when a transaction with its reference turns up approved', async () => {
    const reference = newReference('late');
    const id = await insertPayment(t.db.url, { reference, amountInCents: 2_490_000, status: 'UNKNOWN' });
    // what reconciliation does after 10 minutes without a trace at Wompi
    await t.app.get(DataSource).transaction(async (m) => {
      const p = await m
        .getRepository(PaymentEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :id', { id })
        .getOneOrFail();
      await state.recordFinalWithoutReport(m, p, 'ERROR', 'reconciliation', 'Wompi never created this transaction');
    });
    const late = syntheticTx(reference, 2_490_000, 'APPROVED');
    const res = await state.apply(late, 'reconciliation');
    expect(res).toMatchObject({ outcome: 'changed', from: 'ERROR', to: 'APPROVED' });
    const after = await snapshot(id);
    expect(after.payment.status).toBe('APPROVED');
    expect(after.events).toEqual([{ event_type: 'transaction.error' }, { event_type: 'transaction.approved' }]);
    expect(await pgQuery(t.db.url, 'select kind from payment_anomalies where payment_id = $1', [id])).toEqual([]);
    // a later report of the same approval yields nothing more (one event per state)
    expect((await state.apply(late, 'webhook')).outcome).toBe('stale');
    expect((await snapshot(id)).events).toHaveLength(2);
  });

  it('a report whose amount disagrees is refused and recorded, never applied', async () => {
    const r = await api.create(await cardBody(t.sandbox));
    const id = String(r.body.id);
    const wompiTx = (
      await pgQuery<{ snapshot: WompiTransaction }>(
        t.db.url,
        'select snapshot from payment_attempts where payment_id = $1',
        [id],
      )
    )[0].snapshot;
    const before = await snapshot(id);
    const res = await state.apply({ ...wompiTx, status: 'APPROVED', amount_in_cents: 1 }, 'webhook');
    expect(res.outcome).toBe('mismatch');
    expect(await snapshot(id)).toEqual(before);
    expect(await pgQuery(t.db.url, 'select kind from payment_anomalies where payment_id = $1', [id])).toEqual([
      { kind: 'amount' },
    ]);
  });
});
