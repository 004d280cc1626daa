/* End to end: a payment made through our API, decided by the sandbox, whose webhook the
 * sandbox delivers to us: stored, acknowledged with 200, enqueued and processed. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { Api, cardBody, APPROVED_CARD } from '../transactions/support';
import { inboxRow, Json, QueuePeek } from './support';

describe('webhook ingress: a sandbox-delivered event', () => {
  let t: TestApp;
  let peek: QueuePeek;
  beforeAll(async () => {
    t = await startTestApp();
    peek = new QueuePeek(t);
  });
  afterAll(async () => {
    await peek?.close();
    await t?.close();
  });

  it('is stored with its raw body, answered 200, enqueued once and processed (payment APPROVED)', async () => {
    const api = new Api(t);
    const created = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    expect(created.status).toBe(201);
    const wompiId = String(created.body.wompi_transaction_id);
    const key = `transaction.updated:${wompiId}:APPROVED`;

    const row = await waitFor(
      'the APPROVED event to be processed',
      async () => {
        const r = await inboxRow(t, key);
        return r?.status === 'PROCESSED' ? r : undefined;
      },
      20_000,
      100,
    );
    expect(row.event_type).toBe('transaction.updated');
    expect(row.delivery_count).toBe(1);
    expect(JSON.parse(row.raw_body)).toEqual(row.payload);
    expect(row.payload.data.transaction).toMatchObject({
      id: wompiId,
      status: 'APPROVED',
      amount_in_cents: 2_490_000,
      reference: created.body.wompi_reference,
    });
    expect(row.processed_at).toBeInstanceOf(Date);

    // the sandbox saw exactly HTTP 200 for it, on the first attempt
    const deliveries = (await (await fetch(`${t.sandbox.origin}/__sandbox/deliveries`)).json()) as Json[];
    const ours = deliveries.filter((d) => d.transaction_id === wompiId && d.status_sent === 'APPROVED');
    expect(ours).toEqual([expect.objectContaining({ attempt: 1, http_status: 200 })]);

    const jobs = await peek.jobsFor(row.id);
    expect(jobs.map((j) => j.id)).toEqual([`inbox:${row.id}`]);

    const payment = await api.get(`/v1/transactions/${created.body.id}`);
    expect(payment.body.status).toBe('APPROVED');
  });
});
