/* 20 deliveries of one event at the same moment: one inbox row counting 20 deliveries, one
 * job, one processing. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { Api, cardBody, APPROVED_CARD } from '../transactions/support';
import { pgQuery } from '../support/services';
import { checksum, deliver, inboxRows, Json, metricValue, QueuePeek } from './support';

describe('webhook ingress: concurrent redeliveries', () => {
  let t: TestApp;
  let peek: QueuePeek;
  beforeAll(async () => {
    // the sandbox's own webhooks stay off: this suite delivers the event itself
    t = await startTestApp({ wireWebhooks: false });
    peek = new QueuePeek(t);
  });
  afterAll(async () => {
    await peek?.close();
    await t?.close();
  });

  it('20 concurrent deliveries of one event → one row (delivery_count 20), one job, processed once', async () => {
    const api = new Api(t);
    const created = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    expect(created.status).toBe(201);
    const wompiId = String(created.body.wompi_transaction_id);
    const tx = await waitFor(
      'the sandbox to approve',
      async () => {
        const r = await fetch(`${t.sandbox.baseUrl}/transactions/${wompiId}`, {
          headers: { authorization: `Bearer ${t.sandbox.keys.privateKey}` },
        });
        const body = (await r.json()) as Json;
        return body.data?.status === 'APPROVED' ? body.data : undefined;
      },
      10_000,
    );

    // Wompi's retries may carry a new timestamp (and so a new checksum): mix both
    const base = Math.floor(Date.now() / 1000);
    const bodies = Array.from({ length: 20 }, (_, i) => {
      const ev: Json = {
        event: 'transaction.updated',
        data: { transaction: tx },
        sent_at: new Date().toISOString(),
        timestamp: base + (i % 3),
        signature: {
          checksum: '',
          properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'],
        },
        environment: 'test',
      };
      ev.signature.checksum = checksum(ev as never, t.sandbox.keys.eventsSecret);
      return ev;
    });
    const dupBefore = await metricValue(t, 'webhook_events_duplicate_total');
    const answers = await Promise.all(bodies.map((b) => deliver(t, b)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));

    const rows = await inboxRows(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_key: `transaction.updated:${wompiId}:APPROVED`, delivery_count: 20 });
    expect(await metricValue(t, 'webhook_events_duplicate_total')).toBe(dupBefore + 19);

    const processed = await waitFor(
      'the row to be processed',
      async () => {
        const [r] = await pgQuery<{ status: string; attempts: number }>(
          t.db.url,
          `select status, attempts from webhook_inbox where id = $1`,
          [rows[0].id],
        );
        return r.status === 'PROCESSED' ? r : undefined;
      },
      15_000,
      100,
    );
    expect(processed.attempts).toBe(1);
    const jobs = await peek.jobsFor(rows[0].id);
    expect(jobs.map((j) => j.id)).toEqual([`inbox:${rows[0].id}`]);
    // the payment took the webhook's report at most once
    const history = await pgQuery<{ n: string }>(
      t.db.url,
      `select count(*)::text as n from payment_status_history h join payments p on p.id = h.payment_id where p.id = $1 and h.to_status = 'APPROVED'`,
      [created.body.id],
    );
    expect(history[0].n).toBe('1');
  });
});
