/* A create whose answer never comes: UNKNOWN, resolved by reference (never re-posted),
 * through the request's own look, the queued resolve job, or — when Wompi never got it —
 * ERROR after the bound. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { ReconciliationWorker } from '../../src/transactions/reconciliation.worker';
import {
  NEVER_CREATED_AFTER_MS,
  NEVER_CREATED_MESSAGE,
  PaymentResolver,
} from '../../src/transactions/usecases/resolve-payment';
import { Api, cardBody, createAtWompi, sandboxDecide, sandboxFaults, wompiTransactions } from './support';

const HANG_CREATE = (apply: boolean) => ({ hang_next: { count: 1, method: 'POST', path: '/v1/transactions', apply } });

const historyOf = (t: TestApp, id: string) =>
  pgQuery<{ from_status: string | null; to_status: string; source: string }>(
    t.db.url,
    'select from_status, to_status, source from payment_status_history where payment_id = $1 order by id',
    [id],
  );

describe('POST /v1/transactions: ambiguous create that Wompi applied', () => {
  let t: TestApp;
  let api: Api;
  const history = (id: string) => historyOf(t, id);

  beforeAll(async () => {
    // Cards stay PENDING until the test decides them, once the ambiguous create has been resolved:
    // the webhook cannot overtake the create's own handling, however slow the machine.
    t = await startTestApp({ env: { WOMPI_TIMEOUT_MS: '300' }, sandbox: { cardDelayMs: 3_600_000 } });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('Wompi created it but the answer was lost: UNKNOWN, then resolved with exactly one Wompi transaction', async () => {
    await sandboxFaults(t.sandbox, HANG_CREATE(true));
    const started = Date.now();
    const r = await api.create(await cardBody(t.sandbox));
    const answeredMs = Date.now() - started;
    expect(r.status).toBe(201);
    expect(['UNKNOWN', 'PENDING']).toContain(r.body.status);
    const id = String(r.body.id);
    // resolved by reference (the request's own look, or the queued resolve job) ...
    const resolved = await waitFor(
      'the ambiguous create to be resolved',
      async () => {
        const read = await api.get(`/v1/transactions/${id}`);
        return read.body.status !== 'UNKNOWN' && read.body;
      },
      30_000,
      100,
    );
    expect(resolved.status).toBe('PENDING');
    // ... then Wompi decides the card, and its webhook settles the payment
    await sandboxDecide(t.sandbox, String(resolved.wompi_transaction_id), 'APPROVED');
    const final = await api.settle(id, ['APPROVED'], 20_000);
    expect(final.wompi_transaction_id).toBeTruthy();
    expect(await wompiTransactions(t.sandbox, String(r.body.wompi_reference))).toHaveLength(1);
    const h = await history(id);
    expect(h).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from_status: 'PENDING', to_status: 'UNKNOWN', source: 'api' }),
      ]),
    );
    expect(h.find((x) => x.from_status === 'UNKNOWN')?.source).toBe('reconciliation');
    console.log(`ambiguous create answered in ${answeredMs} ms with status ${String(r.body.status)}`);
  });
});

describe('POST /v1/transactions: ambiguous create', () => {
  let t: TestApp;
  let api: Api;
  const history = (id: string) => historyOf(t, id);

  beforeAll(async () => {
    t = await startTestApp({ env: { WOMPI_TIMEOUT_MS: '300' }, sandbox: { cardDelayMs: 1500 } });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('Wompi never got it: UNKNOWN, the queued job keeps looking, ERROR once the bound has passed', async () => {
    await sandboxFaults(t.sandbox, HANG_CREATE(false));
    const r = await api.create(await cardBody(t.sandbox));
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('UNKNOWN');
    expect(r.body.wompi_transaction_id).toBeNull();
    const id = String(r.body.id);
    const worker = t.app.get(ReconciliationWorker);
    // a job attempt that finds nothing throws, so the queue retries it with backoff
    await expect(
      worker.handleResolve({
        id: `resolve:${id}`,
        name: 'resolve-payment',
        data: { paymentId: id },
        attemptsMade: 0,
        attempts: 10,
      }),
    ).rejects.toThrow(/no Wompi transaction/);
    expect((await api.get(`/v1/transactions/${id}`)).body.status).toBe('UNKNOWN');

    const resolver = t.app.get(PaymentResolver);
    const later = new Date(Date.now() + NEVER_CREATED_AFTER_MS + 1000);
    await expect(resolver.resolveOnce(id, { now: later })).resolves.toBe('gave_up');
    const read = await api.get(`/v1/transactions/${id}`);
    expect(read.body).toMatchObject({ status: 'ERROR', status_message: NEVER_CREATED_MESSAGE });
    expect((await history(id)).pop()).toMatchObject({
      from_status: 'UNKNOWN',
      to_status: 'ERROR',
      source: 'reconciliation',
    });
    const events = await pgQuery(t.db.url, `select event_type from outbox where aggregate_id = $1`, [id]);
    expect(events).toEqual([{ event_type: 'transaction.error' }]);
    expect(await wompiTransactions(t.sandbox, String(r.body.wompi_reference))).toHaveLength(0);
  });

  it('a transaction that shows up at Wompi later is picked up by the queued resolve job', async () => {
    t.sandbox.setEventsUrl(undefined); // no webhook may do the job's work
    await sandboxFaults(t.sandbox, HANG_CREATE(false));
    const r = await api.create(await cardBody(t.sandbox));
    expect(r.body.status).toBe('UNKNOWN');
    // Wompi processes it late (as if the request had been stuck in its queue)
    await createAtWompi(t.sandbox, String(r.body.wompi_reference), Number(r.body.amount_in_cents));
    const resolved = await waitFor(
      'the resolve job to resolve the payment',
      async () => {
        const read = await api.get(`/v1/transactions/${String(r.body.id)}`);
        return read.body.status !== 'UNKNOWN' ? read.body : undefined;
      },
      20_000,
      200,
    );
    expect(['PENDING', 'APPROVED']).toContain(resolved.status);
    expect(resolved.wompi_transaction_id).toBeTruthy();
    expect(await wompiTransactions(t.sandbox, String(r.body.wompi_reference))).toHaveLength(1);
    expect((await history(String(r.body.id))).find((x) => x.from_status === 'UNKNOWN')?.source).toBe('reconciliation');
    t.sandbox.setEventsUrl(`${t.url}/v1/webhooks/wompi`);
  });

  it('the poller resolves an orphaned intent and moves a stale PENDING payment', async () => {
    // no webhooks for this one: only the poll may move it
    t.sandbox.setEventsUrl(undefined);
    const r = await api.create(await cardBody(t.sandbox));
    expect(r.body.status).toBe('PENDING');
    await waitFor(
      'the sandbox to decide the card',
      async () => (await wompiTransactions(t.sandbox, String(r.body.wompi_reference)))[0]?.status === 'APPROVED',
      10_000,
      100,
    );
    const worker = t.app.get(ReconciliationWorker);
    const soon = new Date(Date.now() + 5 * 60_000);
    const round = await worker.pollOnce(soon);
    expect(round.polled).toBeGreaterThanOrEqual(1);
    const read = await api.get(`/v1/transactions/${String(r.body.id)}`);
    expect(read.body.status).toBe('APPROVED');
    expect((await history(String(r.body.id))).pop()).toMatchObject({ to_status: 'APPROVED', source: 'poll' });

    // an intent whose request died (no Wompi id, minutes old) while Wompi did create it
    const reference = `orphan-${Date.now()}`;
    const orphan = await pgQuery<{ id: string }>(
      t.db.url,
      `insert into payments (reference, wompi_reference, caller, status, amount_in_cents, created_at, updated_at) values ($1, $1, 'orders', 'PENDING', 2490000, now() - interval '3 minutes', now()) returning id`,
      [reference],
    );
    await pgQuery(
      t.db.url,
      `insert into payment_attempts (payment_id, status, amount_in_cents) values ($1, 'UNKNOWN', 2490000)`,
      [orphan[0].id],
    );
    await createAtWompi(t.sandbox, reference, 2_490_000);
    expect((await worker.pollOnce()).resolved).toBeGreaterThanOrEqual(1);
    const found = await api.get(`/v1/transactions/${orphan[0].id}`);
    expect(found.body.wompi_transaction_id).toBeTruthy();
    t.sandbox.setEventsUrl(`${t.url}/v1/webhooks/wompi`);
  });
});
