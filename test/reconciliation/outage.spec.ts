/* Issue 14: a run during a Wompi outage (listing and lookups answer 503, the breaker opens)
 * waits and resumes; it completes after the outage and reports nothing because of it. */
import { startTestApp, TEST_CALLER, TestApp } from '../support/app';
import { Api, sandboxFaults } from '../transactions/support';
import { discrepancies, drift, pendingTransfer, startRun, waitForRun } from './support';

describe('reconciliation during a Wompi outage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        OPERATOR_CALLERS: TEST_CALLER,
        RECONCILIATION_ENABLED: 'false',
        WOMPI_BREAKER_THRESHOLD: '2',
        WOMPI_BREAKER_COOLDOWN_MS: '500',
        WOMPI_RETRY_ATTEMPTS: '1',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('waits while Wompi fails, resumes, and completes without reporting the outage', async () => {
    const from = new Date(Date.now() - 60_000);
    const ours = await pendingTransfer(t);
    const silent = await pendingTransfer(t);
    await drift(t.sandbox, silent.wompiId, { status: 'DECLINED' });
    const until = new Date();
    // every Wompi read of the run fails for a while: enough to open the breaker several times
    await sandboxFaults(t.sandbox, { fail_next: { count: 8, method: 'GET', path: '/v1/transactions', status: 503 } });

    const res = await startRun(t, from, until);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const seen = new Set<string>();
    const run = await waitForRun(t, id, seen, 60_000);

    expect(seen).toContain('waiting');
    expect(run).toMatchObject({ status: 'completed', error: null });
    expect(run.waited_ms as number).toBeGreaterThan(0);
    expect(run.counts).toMatchObject({
      wompi_transactions: 2,
      local_transactions: 2,
      matched: 1,
      healed: 1,
      discrepancies: 0,
    });
    expect((await discrepancies(t, id)).map((d) => [d.wompi_transaction_id, d.kind, d.resolution])).toEqual([
      [silent.wompiId, 'status_mismatch', 'healed'],
    ]);
    expect((await new Api(t).get(`/v1/transactions/${ours.id}`)).body.status).toBe('PENDING');
    // the outage was really there: the fault was used up by the run's own calls
    expect(
      ((await (await fetch(`${t.sandbox.origin}/__sandbox/faults`)).json()) as Record<string, unknown>).fail_next,
    ).toBeUndefined();
  }, 90_000);
});
