/* Helpers for the fulfilment and outbox suites: a RabbitMQ observer bound to the suite's
 * exchange, rows inserted the way the API and the ingress would, and sandbox transactions. */
import * as amqplib from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { WompiGateway } from '../../src/wompi/wompi-gateway.port';
import { WompiTransaction } from '../../src/wompi/wompi.types';
import { AMQP_URL, pgQuery } from '../support/services';
import { TestApp, waitFor } from '../support/app';
import { Api, createBody } from '../transactions/support';
import { Json, signedEvent } from '../webhooks/support';

export interface ObservedMessage {
  routingKey: string;
  messageId: string | undefined;
  contentType: string | undefined;
  persistent: boolean;
  event: {
    id: string;
    type: string;
    subject: string;
    source: string;
    specversion: string;
    time: string;
    data: Record<string, unknown>;
  };
}

export interface BusObserver {
  messages: ObservedMessage[];
  waitForCount(n: number, timeoutMs?: number): Promise<ObservedMessage[]>;
  close(): Promise<void>;
}

/** An exclusive queue bound with `#` to the suite's exchange: sees every event published. */
export async function observeBus(exchange: string, url = AMQP_URL): Promise<BusObserver> {
  const conn = await amqplib.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, exchange, '#');
  const messages: ObservedMessage[] = [];
  await ch.consume(
    q.queue,
    (msg) => {
      if (!msg) return;
      messages.push({
        routingKey: msg.fields.routingKey,
        messageId: msg.properties.messageId,
        contentType: msg.properties.contentType,
        persistent: msg.properties.deliveryMode === 2,
        event: JSON.parse(msg.content.toString('utf8')),
      });
    },
    { noAck: true },
  );
  return {
    messages,
    waitForCount: (n, timeoutMs = 15_000) =>
      waitFor(
        `${n} messages on ${exchange} (have ${messages.length})`,
        async () => messages.length >= n && messages,
        timeoutMs,
      ),
    async close() {
      await ch.deleteExchange(exchange).catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

export async function sql<T = Record<string, unknown>>(
  dbUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export const newReference = (prefix = 'ful') =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/** A payment row as the transactions API records it before calling Wompi (its Wompi reference = its reference, like a payment made before per-caller references). */
export async function insertPayment(
  dbUrl: string,
  p: { reference: string; amountInCents: number; metadata?: Record<string, unknown>; status?: string },
): Promise<string> {
  const [row] = await sql<{ id: string }>(
    dbUrl,
    `insert into payments (reference, wompi_reference, caller, status, amount_in_cents, currency, customer_email, metadata)
     values ($1, $1, 'orders', $2, $3, 'COP', 'buyer@example.com', $4) returning id`,
    [p.reference, p.status ?? 'PENDING', p.amountInCents, JSON.stringify(p.metadata ?? {})],
  );
  return row.id;
}

/** A stored Wompi event as the ingress leaves it (verified, RECEIVED, enqueued now: the suite enqueues it). */
export async function insertInbox(
  dbUrl: string,
  eventType: string,
  payload: Record<string, unknown>,
  eventKey = `test:${randomUUID()}`,
): Promise<string> {
  const [row] = await sql<{ id: string }>(
    dbUrl,
    `insert into webhook_inbox (event_key, event_type, environment, checksum, signed_timestamp, raw_body, payload, enqueued_at)
     values ($1, $2, 'test', $3, $4, $5, $6, now()) returning id`,
    [
      eventKey,
      eventType,
      randomBytes(32).toString('hex'),
      Math.floor(Date.now() / 1000),
      JSON.stringify(payload),
      JSON.stringify(payload),
    ],
  );
  return row.id;
}

export function transactionUpdated(tx: WompiTransaction | Record<string, unknown>): Record<string, unknown> {
  return {
    event: 'transaction.updated',
    data: { transaction: tx },
    environment: 'test',
    signature: { properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'], checksum: 'x' },
    timestamp: Math.floor(Date.now() / 1000),
    sent_at: new Date().toISOString(),
  };
}

export const CARDS = { approved: '4242424242424242', declined: '4111111111111111' } as const;

/** Creates a card transaction at the sandbox and waits until Wompi finalizes it. */
export async function sandboxCardTransaction(
  gateway: WompiGateway,
  reference: string,
  amountInCents: number,
  card: string = CARDS.approved,
): Promise<WompiTransaction> {
  const tokens = await gateway.getAcceptanceTokens();
  const token = await gateway.createCardToken({
    number: card,
    cvc: '123',
    exp_month: '12',
    exp_year: '29',
    card_holder: 'Test Buyer',
  });
  const created = await gateway.createTransaction({
    reference,
    amount_in_cents: amountInCents,
    currency: 'COP',
    customer_email: 'buyer@example.com',
    acceptance_token: tokens.presigned_acceptance.acceptance_token,
    accept_personal_auth: tokens.presigned_personal_data_auth.acceptance_token,
    payment_method: { type: 'CARD', token: token.id, installments: 1 },
  });
  return waitFor(`sandbox transaction ${created.id} final`, async () => {
    const tx = await gateway.getTransaction(created.id);
    return tx.status !== 'PENDING' && tx;
  });
}

export interface OutboxRow {
  id: string;
  event_id: string;
  aggregate_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
}

export const outboxRows = (dbUrl: string) =>
  sql<OutboxRow>(
    dbUrl,
    `select id::text, event_id, aggregate_id, event_type, status, attempts, last_error, next_attempt_at from outbox order by id`,
  );
export const inboxRow = async (dbUrl: string, id: string) =>
  (
    await sql<{ status: string; attempts: number; last_error: string | null }>(
      dbUrl,
      `select status, attempts, last_error from webhook_inbox where id = $1`,
      [id],
    )
  )[0];
export const fulfilmentRows = (dbUrl: string, paymentId?: string) =>
  sql<{ payment_id: string; status: string; inbox_event_id: string | null }>(
    dbUrl,
    `select payment_id, status, inbox_event_id from fulfilments ${paymentId ? 'where payment_id = $1' : ''} order by created_at`,
    paymentId ? [paymentId] : [],
  );

/** A Wompi transaction as an event carries it (for suites that do not confirm by fetch). */
export function syntheticTx(
  reference: string,
  amountInCents: number,
  status: WompiTransaction['status'],
  id = `${Date.now()}-${randomBytes(3).toString('hex')}`,
): WompiTransaction {
  const now = new Date().toISOString();
  return {
    id,
    created_at: now,
    finalized_at: status === 'PENDING' ? null : now,
    amount_in_cents: amountInCents,
    reference,
    customer_email: 'buyer@example.com',
    currency: 'COP',
    payment_method_type: 'CARD',
    payment_method: { type: 'CARD', extra: { brand: 'VISA', last_four: '4242' } },
    status,
    status_message: null,
    redirect_url: null,
    payment_source_id: null,
    payment_link_id: null,
  };
}

/** A BANCOLOMBIA_TRANSFER created through our API with no sandbox_status: PENDING at Wompi until decided. */
export async function pendingTransfer(t: TestApp): Promise<{ id: string; wompiId: string; tx: WompiTransaction }> {
  const api = new Api(t);
  const r = await api.create(
    await createBody(t.sandbox, {
      payment_method: { type: 'BANCOLOMBIA_TRANSFER', user_type: 'PERSON', payment_description: 'Order 1' },
    }),
    randomUUID(),
  );
  if (r.status !== 201 || r.body.status !== 'PENDING')
    throw new Error(`create answered ${r.status} ${String(r.body.status)}`);
  const wompiId = String(r.body.wompi_transaction_id);
  return { id: String(r.body.id), wompiId, tx: await wompiTx(t, wompiId) };
}

export async function wompiTx(t: TestApp, wompiId: string): Promise<WompiTransaction> {
  const res = await fetch(`${t.sandbox.baseUrl}/transactions/${wompiId}`, {
    headers: { authorization: `Bearer ${t.sandbox.keys.privateKey}` },
  });
  if (res.status !== 200) throw new Error(`sandbox GET answered ${res.status}`);
  return ((await res.json()) as { data: WompiTransaction }).data;
}

/** Wompi's event for `tx` reporting `status`, signed with the sandbox merchant's events secret. */
export function signedStatusEvent(t: TestApp, tx: WompiTransaction, status: WompiTransaction['status']): Json {
  return signedEvent(t.sandbox.keys.eventsSecret, {
    data: { transaction: { ...tx, status, finalized_at: new Date().toISOString() } },
    properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'],
  });
}

export const paymentRow = async (t: TestApp, id: string) =>
  (
    await pgQuery<{ status: string; finalized_at: Date | null }>(
      t.db.url,
      'select status, finalized_at from payments where id = $1',
      [id],
    )
  )[0];
export const historyOf = (t: TestApp, id: string) =>
  pgQuery<{ to_status: string; source: string }>(
    t.db.url,
    'select to_status, source from payment_status_history where payment_id = $1 order by id',
    [id],
  );
