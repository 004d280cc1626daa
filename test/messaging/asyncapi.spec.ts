/* The event catalogue (docs/asyncapi.yaml) cannot drift from the code: every event type the
 * state machine emits is documented with its routing key, and the documented `data` schema
 * has exactly the fields of the transaction view the events carry. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PaymentEntity } from '../../src/transactions/entities/payment.entity';
import { PaymentAttemptEntity } from '../../src/transactions/entities/payment-attempt.entity';
import { EXTERNAL_EVENT_TYPE } from '../../src/external-transactions/external-transaction.recorder';
import { ExternalTransactionEntity } from '../../src/external-transactions/external-transaction.entity';
import { toExternalTransactionView } from '../../src/external-transactions/external-transaction.view';
import { CHECKOUT_SESSION_EXPIRED } from '../../src/transactions/payment-events';
import { EVENT_TYPE_BY_STATUS } from '../../src/transactions/payment-state.service';
import { toTransactionView } from '../../src/transactions/transaction.view';
import { AppConfig } from '../../src/config/app-config';
import { OutboxWriter } from '../../src/messaging/outbox-writer';
import type { EntityManager } from 'typeorm';

interface Doc {
  asyncapi: string;
  channels: Record<
    string,
    {
      address: string;
      bindings: { amqp: { exchange: { name: string; type: string; durable: boolean } } };
      messages: Record<string, unknown>;
    }
  >;
  operations: Record<string, { title: string; bindings: { amqp: { cc: string[]; deliveryMode: number } } }>;
  components: {
    messages: Record<string, { name: string; contentType: string }>;
    schemas: Record<
      string,
      { required: string[]; properties: Record<string, { items?: { required: string[] }; pattern?: string }> }
    >;
  };
}

const doc = parse(readFileSync(join(__dirname, '..', '..', 'docs', 'asyncapi.yaml'), 'utf8')) as Doc;

describe('docs/asyncapi.yaml', () => {
  it('is AsyncAPI 3 describing the durable topic exchange payments.events', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
    const channel = doc.channels.paymentsEvents;
    expect(channel.address).toBe('payments.events');
    expect(channel.bindings.amqp.exchange).toMatchObject({ name: 'payments.events', type: 'topic', durable: true });
  });

  it('documents every event type the service emits, routed by its type, persistent, as CloudEvents', () => {
    const types = [...Object.values(EVENT_TYPE_BY_STATUS), EXTERNAL_EVENT_TYPE, CHECKOUT_SESSION_EXPIRED].sort();
    expect(types).toEqual([
      'checkout_session.expired',
      'transaction.approved',
      'transaction.declined',
      'transaction.error',
      'transaction.expired',
      'transaction.external',
      'transaction.voided',
    ]);
    const ops = Object.values(doc.operations);
    for (const type of types) {
      const op = ops.find((o) => o.title === type);
      expect(op?.bindings.amqp).toEqual(expect.objectContaining({ cc: [type], deliveryMode: 2 }));
      const message = Object.values(doc.components.messages).find((m) => m.name === type);
      expect(message?.contentType).toBe('application/cloudevents+json');
    }
  });

  it('describes `data` with exactly the fields of the transaction view', () => {
    const payment = Object.assign(new PaymentEntity(), {
      id: 'p',
      reference: 'r',
      caller: 'orders',
      kind: 'TRANSACTION',
      status: 'APPROVED',
      amountInCents: 100,
      currency: 'COP',
      paymentMethodType: 'CARD',
      wompiTransactionId: 'w',
      customerEmail: null,
      redirectUrl: null,
      expirationTime: null,
      statusMessage: null,
      nextAction: null,
      metadata: {},
      version: 2,
      createdAt: new Date(),
      updatedAt: new Date(),
      finalizedAt: new Date(),
      retryableUntil: null,
    });
    const attempt = Object.assign(new PaymentAttemptEntity(), {
      wompiTransactionId: 'w',
      status: 'APPROVED',
      statusMessage: null,
      paymentMethodType: 'CARD',
      createdAt: new Date(),
      finalizedAt: new Date(),
    });
    const view = toTransactionView(payment, [attempt]);
    const schema = doc.components.schemas.Transaction;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(view).sort());
    expect([...schema.required, 'attempts'].sort()).toEqual(Object.keys(view).sort());
    expect(schema.properties.attempts.items!.required.sort()).toEqual(Object.keys(view.attempts![0]).sort());
  });

  it('describes transaction.external `data` with exactly the fields of the external transaction view', () => {
    const row = Object.assign(new ExternalTransactionEntity(), {
      id: 'e',
      wompiTransactionId: 'w',
      reference: 'r',
      amountInCents: 100,
      currency: 'COP',
      status: 'APPROVED',
      paymentMethodType: 'CARD',
      wompiPaymentLinkId: null,
      paymentId: null,
      firstSeenAt: new Date(),
      lastStatusAt: new Date(),
    });
    const view = toExternalTransactionView(row);
    const schema = doc.components.schemas.ExternalTransaction;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(view).sort());
    expect([...schema.required].sort()).toEqual(Object.keys(view).sort());
  });

  it('describes the envelope the outbox writes, with the distributed-tracing extension on every event', async () => {
    let written: Record<string, unknown> = {};
    const chain = {
      insert: () => chain,
      into: () => chain,
      values: (v: { payload: Record<string, unknown> }) => ((written = v.payload), chain),
      orIgnore: () => chain,
      execute: async () => undefined,
    };
    const manager = { createQueryBuilder: () => chain } as unknown as EntityManager;
    await new OutboxWriter({ eventSource: '/payments-service' } as AppConfig).write(manager, {
      type: 'transaction.approved',
      aggregateId: 'a',
      subject: 'r',
      data: {},
      dedupeKey: 'a:APPROVED',
    });
    const schema = doc.components.schemas.CloudEvent;
    // tracestate is optional: written only when the trace carries vendor state
    expect(Object.keys(written).sort()).toEqual(
      Object.keys(schema.properties)
        .filter((k) => k !== 'tracestate')
        .sort(),
    );
    expect(schema.required).toContain('traceparent');
    expect(String(written.traceparent)).toMatch(new RegExp(schema.properties.traceparent.pattern!));
  });
});
