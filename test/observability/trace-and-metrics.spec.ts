/* Issue 15's "done when": a card payment created through our API, approved by the sandbox's
 * webhook, published to RabbitMQ — one trace from the internal request through the webhook
 * delivery, the Bull job and the state change to the published CloudEvent's `traceparent`
 * (an in-memory span exporter; the spans are the service's own, as jest loads modules outside
 * the auto-instrumentations' hooks), the business metrics moved with the right labels, and no
 * buyer data or secret in any span attribute. */
import { randomUUID } from 'node:crypto';
import { BusinessGauges } from '../../src/metrics/business-gauges';
import { Metrics } from '../../src/metrics/metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, startTracing, TracingHandle } from '../../src/tracing/tracing-sdk';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { BusObserver, observeBus, sql } from '../fulfilment/support';
import { Api, APPROVED_CARD, cardBody, sandboxFaults } from '../transactions/support';

const exporter = new InMemorySpanExporter();
const CUSTOMER = {
  full_name: 'Juana Pérez Rodríguez',
  phone_number: '+573001234567',
  legal_id: '1099888777',
  legal_id_type: 'CC',
};
const EMAIL = 'juana.perez@example.com';

describe('observability: one trace per payment, business metrics', () => {
  let tracing: TracingHandle | undefined;
  let t: TestApp;
  let bus: BusObserver;
  let api: Api;

  beforeAll(async () => {
    tracing = startTracing(
      {
        exporter: 'none',
        tracesUrl: undefined,
        headers: {},
        serviceName: 'payments-test',
        sampler: 'parentbased_always_on',
        samplerRatio: 1,
      },
      { spanProcessors: [new SimpleSpanProcessor(exporter)], instrumentations: false },
    );
    t = await startTestApp();
    bus = await observeBus(t.config.amqpExchange);
    api = new Api(t);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
    await tracing?.shutdown();
  });

  const sample = async (line: string) => {
    const text = await t.app.get(Metrics).registry.metrics();
    const m = text.split('\n').find((l) => l.startsWith(`${line} `));
    return m === undefined ? undefined : Number(m.slice(line.length + 1));
  };

  it('traces the payment from the request to the published event, counts it, and keeps buyer data out of the spans', async () => {
    const body = await cardBody(t.sandbox, APPROVED_CARD, { customer_email: EMAIL, customer_data: CUSTOMER });
    const created = await api.create<{ id: string; reference: string; status: string }>(body, randomUUID());
    expect(created.status).toBe(201);
    const { id, reference } = created.body;

    await waitFor(
      'transaction.approved on the bus',
      async () => bus.messages.find((m) => m.event.subject === reference && m.event.type === 'transaction.approved'),
      20_000,
    );
    const event = bus.messages.find((m) => m.event.subject === reference)!.event as Record<string, unknown>;
    const [, eventTraceId, eventSpanId, flags] = String(event.traceparent).split('-');
    expect(flags).toBe('01');

    const spans = () => exporter.getFinishedSpans();
    const one = (name: string, pred: (s: ReturnType<typeof spans>[number]) => boolean = () => true) => {
      const found = spans().filter((s) => s.name === name && pred(s));
      expect({ name, count: found.length }).toEqual({ name, count: 1 });
      return found[0];
    };
    // the publish span ends after the broker confirmed, just before or after the consumer saw the message
    await waitFor(
      'the publish span',
      async () => spans().some((s) => s.name === 'transaction.approved publish'),
      20_000,
    );

    const create = one('payment.create', (s) => s.attributes['payment.id'] === id);
    const traceId = create.spanContext().traceId;
    const inTrace = spans().filter((s) => s.spanContext().traceId === traceId);
    const byName = (name: string) => inTrace.filter((s) => s.name === name);
    const parentOf = (s: ReturnType<typeof spans>[number]) => s.parentSpanContext?.spanId;

    // request → Wompi create
    const wompiCreate = byName('wompi create_transaction');
    expect(wompiCreate).toHaveLength(1);
    expect(parentOf(wompiCreate[0])).toBe(create.spanContext().spanId);
    // the sandbox's delivery carried that call's traceparent: the delivery continues the trace
    const receive = byName('webhook.receive').find(
      (s) => s.attributes['webhook.inbox_status'] !== undefined && !s.attributes['webhook.duplicate'],
    );
    expect(receive).toBeDefined();
    expect(parentOf(receive!)).toBe(wompiCreate[0].spanContext().spanId);
    const insert = byName('webhook.inbox_insert').filter((s) => parentOf(s) === receive!.spanContext().spanId);
    expect(insert).toHaveLength(1);
    // the job (enqueued on a later turn of the event loop) is a child of the delivery
    const job = byName('webhook-events process').filter((s) => parentOf(s) === receive!.spanContext().spanId);
    expect(job).toHaveLength(1);
    const verify = byName('wompi get_transaction').filter((s) => parentOf(s) === job[0].spanContext().spanId);
    expect(verify.length).toBeGreaterThanOrEqual(1);
    const apply = byName('payment.apply').filter(
      (s) => parentOf(s) === job[0].spanContext().spanId && s.attributes['payment.outcome'] === 'changed',
    );
    expect(apply).toHaveLength(1);
    expect(apply[0].attributes['payment.id']).toBe(id);
    // the event carries the state change's span; the relay's publish continues it
    expect([eventTraceId, eventSpanId]).toEqual([traceId, apply[0].spanContext().spanId]);
    const publish = byName('transaction.approved publish');
    expect(publish).toHaveLength(1);
    expect(parentOf(publish[0])).toBe(apply[0].spanContext().spanId);
    expect(publish[0].attributes['cloudevents.event_id']).toBe(event.id);

    // no buyer data, card number or secret in any attribute of any span
    const values = spans().flatMap((s) => Object.values(s.attributes).flat().map(String));
    expect(values.length).toBeGreaterThan(20);
    const forbidden = [
      EMAIL,
      CUSTOMER.full_name,
      CUSTOMER.phone_number,
      CUSTOMER.legal_id,
      APPROVED_CARD,
      String(body.acceptance_token),
      t.sandbox.keys.privateKey,
      t.sandbox.keys.publicKey,
      t.sandbox.keys.eventsSecret,
    ];
    expect(values.filter((v) => forbidden.some((f) => v.includes(f)))).toEqual([]);

    // business metrics, by method and status
    expect(await sample('payments_created_total{method="CARD",status="PENDING"}')).toBe(1);
    expect(await sample('payments_finished_total{method="CARD",status="APPROVED"}')).toBe(1);
    expect(await sample('payments_amount_cop_cents_total{method="CARD",status="APPROVED"}')).toBe(body.amount_in_cents);
    expect(await sample('payments_create_to_final_seconds_count{method="CARD",status="APPROVED"}')).toBe(1);
    expect(await sample('payments_webhook_to_applied_seconds_count{method="CARD"}')).toBe(1);
    const last = await sample('webhook_last_received_timestamp_seconds');
    expect(last).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await sample('wompi_calls_total{operation="create_transaction",outcome="ok"}')).toBe(1);
  });

  it('reports the oldest PENDING payment by method and the open and DEAD inbox rows', async () => {
    // every delivery of this payment is lost: it stays PENDING here
    await sandboxFaults(t.sandbox, { webhooks: { drop_next: 10 } });
    const created = await api.create<{ id: string; status: string }>(await cardBody(t.sandbox), randomUUID());
    expect(created.body.status).toBe('PENDING');
    await sql(t.db.url, `update payments set created_at = now() - interval '10 minutes' where id = $1`, [
      created.body.id,
    ]);
    await sql(t.db.url, `update webhook_inbox set status = 'DEAD'`);
    await t.app.get(BusinessGauges).refresh();
    expect(await sample('payments_oldest_pending_age_seconds{method="CARD"}')).toBeGreaterThanOrEqual(600);
    expect(await sample('webhook_inbox_rows{status="DEAD"}')).toBeGreaterThanOrEqual(1);
    expect(await sample('webhook_inbox_rows{status="RECEIVED"}')).toBe(0);
    await sandboxFaults(t.sandbox, {});
  });
});
