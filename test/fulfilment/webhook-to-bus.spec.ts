/* End to end: a card payment created through our API, Wompi's (sandbox's) signed webhook
 * through the real ingress, the processor, the outbox and RabbitMQ — one event per state,
 * in order, even when Wompi delivers every event twice. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { Api, cardBody, sandboxFaults } from '../transactions/support';
import { BusObserver, observeBus, sql } from './support';

describe('fulfilment: webhook to bus', () => {
  let t: TestApp;
  let bus: BusObserver;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp();
    bus = await observeBus(t.config.amqpExchange);
    api = new Api(t);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('publishes one transaction.approved, then one transaction.voided, for a paid and voided card payment', async () => {
    await sandboxFaults(t.sandbox, { webhooks: { duplicate: true } });
    const created = await api.post<{ id: string; reference: string }>(
      '/v1/transactions',
      await cardBody(t.sandbox),
      randomUUID(),
    );
    expect(created.status).toBe(201);
    const { id, reference } = created.body;
    const mine = () => bus.messages.filter((m) => m.event.subject === reference);

    await waitFor('transaction.approved on the bus', async () => mine().length >= 1, 15_000);
    const approved = mine()[0];
    expect(approved).toMatchObject({
      routingKey: 'transaction.approved',
      contentType: 'application/cloudevents+json',
      persistent: true,
      messageId: approved.event.id,
    });
    const view = await api.get<Record<string, unknown>>(`/v1/transactions/${id}`);
    expect(view.status).toBe(200);
    expect(approved.event.data).toMatchObject({
      id,
      reference,
      status: 'APPROVED',
      amount_in_cents: view.body.amount_in_cents,
      metadata: view.body.metadata,
      wompi_transaction_id: view.body.wompi_transaction_id,
    });

    const voided = await api.post(`/v1/transactions/${id}/void`, {}, randomUUID());
    expect(voided.status).toBeLessThan(300);
    await waitFor(
      'transaction.voided on the bus',
      async () => mine().some((m) => m.event.type === 'transaction.voided'),
      15_000,
    );
    // every delivery arrived twice: wait until all of them were applied, then count
    await waitFor('every stored event processed', async () => {
      const [{ open }] = await sql<{ open: number }>(
        t.db.url,
        `select count(*)::int as open from webhook_inbox where status not in ('PROCESSED', 'IGNORED')`,
      );
      return open === 0;
    });
    await waitFor(
      'every outbox row SENT',
      async () =>
        (await sql<{ n: number }>(t.db.url, `select count(*)::int as n from outbox where status <> 'SENT'`))[0].n === 0,
    );
    expect(mine().map((m) => m.event.type)).toEqual(['transaction.approved', 'transaction.voided']);
    expect(new Set(mine().map((m) => m.messageId)).size).toBe(2);
    expect(
      await sql(t.db.url, `select status from fulfilments where payment_id = $1 order by created_at`, [id]),
    ).toEqual([{ status: 'APPROVED' }, { status: 'VOIDED' }]);
  });
});
