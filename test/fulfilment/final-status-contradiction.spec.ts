/* Wompi contradicting a final status we recorded (APPROVED after DECLINED) is never silent: an
 * anomaly row, payments_anomalies_total and an error log naming the payment and Wompi ids —
 * from the webhook and from confirm alike. With verify-by-fetch on, a DECLINED event Wompi does
 * not confirm is not applied in the first place, so Wompi's later APPROVED wins. */
import { Logger } from '@nestjs/common';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, sandboxDecide } from '../transactions/support';
import { deliver, inboxRow as inboxRowByKey, metricValue } from '../webhooks/support';
import { fulfilmentRows, historyOf, outboxRows, paymentRow, pendingTransfer, signedStatusEvent } from './support';

const anomalies = (t: TestApp, paymentId: string) =>
  pgQuery<{
    kind: string;
    source: string;
    wompi_transaction_id: string;
    expected: Record<string, unknown>;
    actual: Record<string, unknown>;
  }>(
    t.db.url,
    'select kind, source, wompi_transaction_id, expected, actual from payment_anomalies where payment_id = $1 order by id',
    [paymentId],
  );
const CONTRADICTIONS = 'payments_anomalies_total';
const LABEL = '{kind="status_contradiction"}';

describe('fulfilment: Wompi approves a payment we recorded DECLINED (verify-by-fetch off)', () => {
  let t: TestApp;
  let errors: jest.SpyInstance;

  beforeAll(async () => {
    // the audited set-up: a DECLINED event is applied without asking Wompi
    t = await startTestApp({ env: { WOMPI_VERIFY_APPROVED_BY_FETCH: 'false' } });
  });
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
  });
  afterEach(() => errors.mockRestore());
  afterAll(async () => {
    await t?.close();
  });

  it('records the contradiction as an anomaly, alerts, and neither applies nor drops it silently', async () => {
    const p = await pendingTransfer(t);
    expect((await deliver(t, signedStatusEvent(t, p.tx, 'DECLINED'))).status).toBe(200);
    await waitFor('the DECLINED applied', async () => (await paymentRow(t, p.id)).status === 'DECLINED');
    const metricBefore = await metricValue(t, CONTRADICTIONS, LABEL);

    // Wompi really approves: money taken. Its genuine signed APPROVED webhook arrives.
    await sandboxDecide(t.sandbox, p.wompiId, 'APPROVED');
    const row = await waitFor('the APPROVED event settled', async () => {
      const r = await inboxRowByKey(t, `transaction.updated:${p.wompiId}:APPROVED`);
      return r && r.status !== 'RECEIVED' && r.status !== 'FAILED' && r;
    });
    expect(row.status).toBe('DEAD');
    const [lastError] = await pgQuery<{ last_error: string }>(
      t.db.url,
      'select last_error from webhook_inbox where id = $1',
      [row.id],
    );
    expect(lastError.last_error).toMatch(/^contradiction: Wompi reports APPROVED/);

    expect(await anomalies(t, p.id)).toEqual([
      {
        kind: 'status_contradiction',
        source: 'webhook',
        wompi_transaction_id: p.wompiId,
        expected: expect.objectContaining({ status: 'DECLINED', payment_status: 'DECLINED' }),
        actual: expect.objectContaining({ status: 'APPROVED', amount_in_cents: p.tx.amount_in_cents }),
      },
    ]);
    expect(await metricValue(t, CONTRADICTIONS, LABEL)).toBe(metricBefore + 1);
    const alert = errors.mock.calls.find(([ctx]) => (ctx as { kind?: string })?.kind === 'status_contradiction');
    expect(alert?.[0]).toMatchObject({
      payment_id: p.id,
      wompi_transaction_id: p.wompiId,
      recorded_status: 'DECLINED',
      reported_status: 'APPROVED',
    });
    expect(JSON.stringify(alert)).not.toMatch(/@|buyer|comprador/); // ids only, no personal data

    // our record is not moved behind an operator's back, and nothing was fulfilled as APPROVED
    expect((await paymentRow(t, p.id)).status).toBe('DECLINED');
    expect((await fulfilmentRows(t.db.url, p.id)).map((f) => f.status)).toEqual(['DECLINED']);

    // a caller's confirm (fetch from Wompi) hits the same guard: recorded again, from 'confirm'
    const confirmed = await new Api(t).post('/v1/transactions/confirm', { wompi_transaction_id: p.wompiId });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('DECLINED');
    expect((await anomalies(t, p.id)).map((a) => a.source)).toEqual(['webhook', 'confirm']);
    expect(await metricValue(t, CONTRADICTIONS, LABEL)).toBe(metricBefore + 2);
  });
});

describe('fulfilment: a DECLINED event Wompi does not confirm (verify-by-fetch on)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("is not applied while Wompi says PENDING, and Wompi's APPROVED then wins without any anomaly", async () => {
    const p = await pendingTransfer(t);
    expect((await deliver(t, signedStatusEvent(t, p.tx, 'DECLINED'))).status).toBe(200);
    const declinedKey = `transaction.updated:${p.wompiId}:DECLINED`;
    const failed = await waitFor('the unconfirmed DECLINED attempt recorded', async () => {
      const [r] = await pgQuery<{ status: string; attempts: number; last_error: string | null }>(
        t.db.url,
        'select status, attempts, last_error from webhook_inbox where event_key = $1',
        [declinedKey],
      );
      return r && r.attempts >= 1 && r;
    });
    expect(failed).toMatchObject({
      status: 'FAILED',
      last_error: expect.stringMatching(/^unconfirmed: the event reports DECLINED but Wompi still reports PENDING/),
    });
    expect(await paymentRow(t, p.id)).toEqual({ status: 'PENDING', finalized_at: null });

    await sandboxDecide(t.sandbox, p.wompiId, 'APPROVED');
    await waitFor('the payment APPROVED', async () => (await paymentRow(t, p.id)).status === 'APPROVED', 15_000);
    // the DECLINED row's next attempt applies what Wompi says (APPROVED, already applied): settled, no contradiction
    await waitFor(
      'the DECLINED row settled',
      async () => (await inboxRowByKey(t, declinedKey))?.status === 'PROCESSED',
      15_000,
    );
    const history = (await historyOf(t, p.id)).map((h) => h.to_status);
    expect(history).toContain('APPROVED');
    expect(history).not.toContain('DECLINED');
    expect(await anomalies(t, p.id)).toEqual([]);
    expect((await fulfilmentRows(t.db.url, p.id)).map((f) => f.status)).toEqual(['APPROVED']);
    expect((await outboxRows(t.db.url)).filter((r) => r.aggregate_id === p.id).map((r) => r.event_type)).toEqual([
      'transaction.approved',
    ]);
  });
});
