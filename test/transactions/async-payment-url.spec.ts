/* POST /v1/transactions when Wompi's create answer lacks `async_payment_url` (docs/wompi.md#payment-methods: it may
 * appear only on a later GET; the sandbox imitates it with fault `async_url_on_poll`). */
import { Metrics } from '../../src/metrics/metrics';
import { ReconciliationWorker } from '../../src/transactions/reconciliation.worker';
import { WompiGateway } from '../../src/wompi/wompi-gateway.port';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, createBody, sandboxFaults } from './support';

type Json = Record<string, unknown>;

const PSE = {
  type: 'PSE',
  user_type: 0,
  user_legal_id_type: 'CC',
  user_legal_id: '1999888777',
  financial_institution_code: '1',
  payment_description: 'Order 1',
};
/** no sandbox_status: stays PENDING until the payer acts, so no webhook and no verifying GET */
const TRANSFER = { type: 'BANCOLOMBIA_TRANSFER', user_type: 'PERSON', payment_description: 'Order 1' };
const DAVIPLATA = {
  type: 'DAVIPLATA',
  user_legal_id_type: 'CC',
  user_legal_id: '1999888777',
  payment_description: 'Order 1',
};
const GET_FAILS = { fail_next: { count: 100_000, status: 503, method: 'GET', path: '/v1/transactions/' } };

/** `wompi_calls_total{operation="get_transaction"}`, every outcome: one per HTTP attempt (and per fast failure). */
async function getTransactionCalls(t: TestApp): Promise<number> {
  const values = (await t.app.get(Metrics).wompiCalls.get()).values;
  return values.filter((v) => v.labels.operation === 'get_transaction').reduce((sum, v) => sum + v.value, 0);
}

async function history(
  t: TestApp,
  paymentId: string,
): Promise<Array<{ from_status: string | null; to_status: string; source: string }>> {
  return pgQuery(
    t.db.url,
    `select from_status, to_status, source from payment_status_history where payment_id = $1 order by created_at, id`,
    [paymentId],
  );
}

async function storedUrl(t: TestApp, paymentId: string): Promise<string | null> {
  const rows = await pgQuery<{ url: string | null }>(
    t.db.url,
    `select next_action->>'async_payment_url' as url from payments where id = $1`,
    [paymentId],
  );
  return rows[0]?.url ?? null;
}

describe('POST /v1/transactions: async_payment_url shown only on a later GET', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    // no webhooks: a final event would be verified with a GET, which the counting tests must not see
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
  });
  afterAll(async () => t?.close());
  afterEach(async () => sandboxFaults(t.sandbox, {}));

  it.each([
    ['PSE', PSE],
    ['BANCOLOMBIA_TRANSFER', TRANSFER],
  ])('%s: the 201 carries the URL Wompi showed on a follow-up GET', async (_name, method) => {
    await sandboxFaults(t.sandbox, { async_url_on_poll: true });
    const before = await getTransactionCalls(t);
    const r = await api.create(
      await createBody(t.sandbox, {
        payment_method: method,
        customer_data: { full_name: 'Juana Perez', phone_number: '573001234567' },
      }),
    );
    expect(r.status).toBe(201);
    expect(r.body.async_payment_url).toMatch(/^https?:\/\/.+\/payment_methods\/redirect\//);
    expect((r.body.next_action as Json).async_payment_url).toBe(r.body.async_payment_url);
    expect(r.body.wompi_transaction_id).toEqual(expect.any(String));
    expect(await getTransactionCalls(t)).toBeGreaterThan(before);
    // applied to our record through the state service: the read shows it, one PENDING in history
    expect(await storedUrl(t, String(r.body.id))).toBe(r.body.async_payment_url);
    expect((await history(t, String(r.body.id))).filter((h) => h.to_status === 'PENDING')).toHaveLength(1);
  });

  it('nothing waits and nothing is fetched when the create answer already has the URL', async () => {
    const before = await getTransactionCalls(t);
    const started = Date.now();
    const r = await api.create(await createBody(t.sandbox, { payment_method: TRANSFER }));
    const tookMs = Date.now() - started;
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('PENDING');
    expect(r.body.async_payment_url).toMatch(/^https?:\/\/.+bancolombia_transfer/);
    // nothing fetched (the count below), so no backoff served; this bound only catches a hang
    // (generous: a busy machine may take seconds over one create)
    expect(tookMs).toBeLessThan(10_000);
    // a read of a record that has its URL stays in our store
    expect((await api.get(`/v1/transactions/${String(r.body.id)}`)).body.async_payment_url).toBe(
      r.body.async_payment_url,
    );
    expect(await getTransactionCalls(t)).toBe(before);
  });

  it('methods without async_payment_url (Daviplata: next_action.url) never wait for one', async () => {
    await sandboxFaults(t.sandbox, { async_url_on_poll: true });
    const before = await getTransactionCalls(t);
    const r = await api.create(await createBody(t.sandbox, { payment_method: DAVIPLATA }));
    expect(r.status).toBe(201);
    expect(r.body.async_payment_url).toBeNull();
    expect((r.body.next_action as Json).url).toEqual(expect.any(String));
    await api.get(`/v1/transactions/${String(r.body.id)}`);
    expect(await getTransactionCalls(t)).toBe(before);
  });
});

describe('POST /v1/transactions: the follow-up GETs are bounded and never fail the create', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    // no webhooks: only our GETs (create, read, poller) may move these payments
    t = await startTestApp({
      sandbox: { asyncDelayMs: 50 },
      wireWebhooks: false,
      env: { WOMPI_BREAKER_COOLDOWN_MS: '300', WOMPI_ASYNC_URL_WAIT_MS: '2000' },
    });
    api = new Api(t);
  });
  afterAll(async () => t?.close());
  afterEach(async () => sandboxFaults(t.sandbox, {}));

  it('a final status arriving in the same poll as the URL is applied normally (history, event)', async () => {
    await sandboxFaults(t.sandbox, { async_url_on_poll: true });
    const r = await api.create(
      await createBody(t.sandbox, {
        payment_method: PSE,
        customer_data: { full_name: 'Juana Perez', phone_number: '573001234567' },
      }),
    );
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('APPROVED'); // the sandbox decided bank "1" after 50 ms; our first GET came at 250 ms
    expect(r.body.async_payment_url).toEqual(expect.any(String));
    expect(r.body.finalized_at).toEqual(expect.any(String));
    expect((await history(t, String(r.body.id))).pop()).toMatchObject({
      from_status: 'PENDING',
      to_status: 'APPROVED',
      source: 'poll',
    });
    const events = await pgQuery<{ type: string }>(
      t.db.url,
      `select event_type as type from outbox where aggregate_id = $1`,
      [r.body.id],
    );
    expect(events.map((e) => e.type)).toEqual(['transaction.approved']);
  });

  it('with every Wompi GET failing: 201 without the URL in bounded time; a later read, then the poller, fill it in', async () => {
    await sandboxFaults(t.sandbox, { async_url_on_poll: true, ...GET_FAILS });
    const body = await createBody(t.sandbox, { payment_method: TRANSFER });
    const callsBefore = await getTransactionCalls(t);
    const started = Date.now();
    const first = await api.create(body);
    const tookMs = Date.now() - started;
    const calls = (await getTransactionCalls(t)) - callsBefore;
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'PENDING', async_payment_url: null });
    expect(first.body.wompi_transaction_id).toEqual(expect.any(String));
    // gave up after the first failed GET (the gateway's 3 tries of it), no second follow-up GET;
    // the wall clock only catches a hang (generous: a busy machine may take seconds over one create)
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3);
    expect(tookMs).toBeLessThan(10_000);
    const second = await api.create(await createBody(t.sandbox, { payment_method: TRANSFER }));
    expect(second.status).toBe(201);
    expect(second.body.async_payment_url).toBeNull();

    // Wompi still failing: the read answers from our store (never an error)
    const stillFailing = await api.get(`/v1/transactions/${String(first.body.id)}`);
    expect(stillFailing.status).toBe(200);
    expect(stillFailing.body.async_payment_url).toBeNull();

    // Wompi back: a read fills in the first (bounded, once the breaker lets a probe through)
    await sandboxFaults(t.sandbox, { async_url_on_poll: true });
    const read = await waitFor(
      'a read to fill in async_payment_url',
      async () => {
        const g = await api.get(`/v1/transactions/${String(first.body.id)}`);
        return typeof g.body.async_payment_url === 'string' ? g.body : undefined;
      },
      15_000,
      100,
    );
    expect(read.async_payment_url).toMatch(/bancolombia_transfer/);
    expect(read.status).toBe('PENDING');

    // the poller (the backstop) fills in the second, never read
    expect(await storedUrl(t, String(second.body.id))).toBeNull();
    const worker = t.app.get(ReconciliationWorker);
    const later = new Date(Date.now() + 5 * 60_000);
    await waitFor(
      'the poller to fill in async_payment_url',
      async () => {
        if (t.app.get(WompiGateway).breakerState() === 'open') return undefined;
        await worker.pollOnce(later);
        return storedUrl(t, String(second.body.id));
      },
      15_000,
      100,
    );
    expect((await history(t, String(second.body.id))).map((h) => h.to_status)).toEqual(['PENDING']);
  });
});
