/* Issue 14, reconciliation: a run over a range compares Wompi's listing with our books, heals a
 * status that changed at Wompi without a webhook (one CloudEvent), reports an amount mismatch
 * and a reference we never issued without applying them, and exports the discrepancies as CSV. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, createAtWompi } from '../transactions/support';
import { discrepancies, drift, pendingTransfer, startRun, waitForRun } from './support';

describe('reconciliation runs against the sandbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { OPERATOR_CALLERS: TEST_CALLER, RECONCILIATION_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('heals a silent status change with one CloudEvent, reports an amount mismatch and an unknown reference, and exports them as CSV', async () => {
    const from = new Date(Date.now() - 60_000);
    const healed = await pendingTransfer(t);
    const mismatched = await pendingTransfer(t);
    const foreign = await createAtWompi(t.sandbox, `foreign-${randomUUID().slice(0, 8)}`, 150_000);
    await drift(t.sandbox, healed.wompiId, { status: 'APPROVED' });
    await drift(t.sandbox, mismatched.wompiId, { status: 'APPROVED', amount_in_cents: 2_400_000 });
    // the foreign one finalises (with a webhook our service ignores: the reference is not ours)
    await waitFor('the foreign transaction to finalise at the sandbox', async () => {
      const r = await fetch(`${t.sandbox.baseUrl}/transactions/${String(foreign.id)}`);
      return ((await r.json()) as { data: { status: string } }).data.status !== 'PENDING';
    });
    const until = new Date();

    const res = await startRun(t, from, until);
    expect(res.status).toBe(202);
    const queued = (await res.json()) as { id: string };
    const run = await waitForRun(t, queued.id);
    expect(run).toMatchObject({ status: 'completed', trigger: 'manual', requested_by: TEST_CALLER });
    expect(run.counts).toMatchObject({ healed: 1, discrepancies: 2, local_transactions: 2, wompi_transactions: 3 });

    // healed through the state machine: APPROVED, source reconciliation, one transaction.approved
    const api = new Api(t);
    expect((await api.get(`/v1/transactions/${healed.id}`)).body.status).toBe('APPROVED');
    const history = await pgQuery<{ source: string; to_status: string }>(
      t.db.url,
      'select source, to_status from payment_status_history where payment_id = $1 and to_status = $2',
      [healed.id, 'APPROVED'],
    );
    expect(history).toEqual([{ source: 'reconciliation', to_status: 'APPROVED' }]);
    const events = await pgQuery<{ event_type: string }>(
      t.db.url,
      'select event_type from outbox where aggregate_id = $1',
      [healed.id],
    );
    expect(events).toEqual([{ event_type: 'transaction.approved' }]);

    // the amount mismatch is reported, not applied
    expect((await api.get(`/v1/transactions/${mismatched.id}`)).body.status).toBe('PENDING');
    expect(await pgQuery(t.db.url, 'select 1 from outbox where aggregate_id = $1', [mismatched.id])).toEqual([]);

    const found = await discrepancies(t, queued.id);
    const byTx = Object.fromEntries(found.map((d) => [d.wompi_transaction_id, d]));
    expect(byTx[healed.wompiId]).toMatchObject({
      kind: 'status_mismatch',
      resolution: 'healed',
      our_status: 'PENDING',
      wompi_status: 'APPROVED',
      payment_id: healed.id,
    });
    expect(byTx[mismatched.wompiId]).toMatchObject({
      kind: 'amount_mismatch',
      resolution: 'reported',
      our_amount_in_cents: 2_490_000,
      wompi_amount_in_cents: 2_400_000,
      reference: mismatched.reference,
    });
    expect(byTx[String(foreign.id)]).toMatchObject({
      kind: 'unknown_reference',
      resolution: 'reported',
      payment_id: null,
      wompi_reference: foreign.reference,
    });

    // the finance export
    const csv = await fetch(`${t.url}/v1/reconciliations/${queued.id}`, { headers: { ...t.auth, accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'run_id,discrepancy_id,detected_at,kind,resolution,wompi_transaction_id,wompi_reference,payment_id,reference,our_status,wompi_status,our_amount_in_cents,wompi_amount_in_cents,our_currency,wompi_currency,detail',
    );
    expect(lines).toHaveLength(4);
    const amountLine = lines.find((l) => l.includes(mismatched.wompiId))!.split(',');
    expect([amountLine[3], amountLine[4], amountLine[11], amountLine[12]]).toEqual([
      'amount_mismatch',
      'reported',
      '2490000',
      '2400000',
    ]);

    // idempotent per range: the same range is the same run, and nothing is healed twice
    const again = await startRun(t, from, until);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(queued.id);
    expect(await pgQuery(t.db.url, 'select event_type from outbox where aggregate_id = $1', [healed.id])).toHaveLength(
      1,
    );
  }, 60_000);

  it('lists runs and refuses ranges that are not valid, naming the field', async () => {
    const list = await fetch(`${t.url}/v1/reconciliations`, { headers: t.auth });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { data: unknown[] }).data.length).toBeGreaterThanOrEqual(1);
    const now = Date.now();
    const cases: [Record<string, unknown>, string][] = [
      [{ from: new Date(now - 1000).toISOString() }, 'until'],
      [{ from: new Date(now - 1000).toISOString(), until: new Date(now - 2000).toISOString() }, 'until'],
      [{ from: new Date(now - 1000).toISOString(), until: new Date(now + 3_600_000).toISOString() }, 'until'],
      [{ from: '2025-11-01T00:00:00', until: new Date(now - 1000).toISOString() }, 'from'],
      [{ from: new Date(now - 40 * 86_400_000).toISOString(), until: new Date(now - 1000).toISOString() }, 'until'],
    ];
    for (const [body, field] of cases) {
      const r = await fetch(`${t.url}/v1/reconciliations`, {
        method: 'POST',
        headers: { ...t.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([JSON.stringify(body), r.status, r.headers.get('content-type')?.split(';')[0]]).toEqual([
        JSON.stringify(body),
        400,
        'application/problem+json',
      ]);
      expect(Object.keys(((await r.json()) as { errors: Record<string, string[]> }).errors)).toContain(field);
    }
    expect((await pgQuery<{ n: string }>(t.db.url, 'select count(*) as n from reconciliation_runs'))[0].n).toBe('1');
    expect((await fetch(`${t.url}/v1/reconciliations/${randomUUID()}`, { headers: t.auth })).status).toBe(404);
  });
});
