/* The dev log bus (BUS_DRIVER=log, what `npm run dev` uses): each event is logged as the
 * whole CloudEvents 1.0 envelope consumers would get, with buyer personal data masked —
 * checked on the bus itself and on the real service's output (a child process, as dev runs). */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REDACTED } from '../../src/common/logging/redact';
import { EventLogSink, LogEventBus } from '../../src/messaging/log-event-bus';
import { CLOUDEVENTS_CONTENT_TYPE, toBusMessage } from '../../src/messaging/outbox-message';
import { stableEventId } from '../../src/messaging/outbox-writer';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { BOOT_BOUND_MS, TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/own-redis';
import { acceptanceTokens, cardToken } from '../transactions/support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, '..', '..');
const NODE_ARGS = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];

const EMAIL = 'private.buyer.5518@example.com';
const PHONE = '3991111111';
const LEGAL_ID = '1061779338';
const NAME = 'Juanita Perezgomez';

class CapturingSink implements EventLogSink {
  readonly lines: { fields: Record<string, unknown>; message: string }[] = [];
  log(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ fields, message });
  }
}

describe('LogEventBus', () => {
  const envelope = {
    specversion: '1.0',
    id: stableEventId('pay-1:APPROVED'),
    source: '/payments-service',
    type: 'transaction.approved',
    subject: 'order-1001',
    time: '2026-03-01T12:00:05.000Z',
    datacontenttype: 'application/json',
    data: {
      id: '3f1c9b2e-1111-4abc-9def-000000000000',
      reference: 'order-1001',
      status: 'APPROVED',
      amount_in_cents: 2_490_000,
      currency: 'COP',
      payment_method_type: 'DAVIPLATA',
      customer_email: EMAIL,
      redirect_url: `https://shop.example.co/return?email=${EMAIL}`,
      next_action: {
        url: 'https://sandbox.wompi.co/v1/payment_methods/redirect/daviplata?id=1',
        url_services: { token: 'otp-bearer-abcdef', code_otp_send: 'https://x/send' },
      },
      metadata: {
        order_id: 'A-1001',
        note: `ping ${EMAIL} please`,
        buyer: {
          full_name: NAME,
          name: 'Juanita',
          last_name: 'Perezgomez',
          phone_number: PHONE,
          customer_phone: PHONE,
          legal_id: LEGAL_ID,
          email: EMAIL,
        },
        items: [{ sku: 'SKU-1', qty: 2 }],
      },
    },
  };
  const publish = async () => {
    const sink = new CapturingSink();
    const bus = new LogEventBus(sink);
    await bus.publish([toBusMessage({ id: '42', eventId: envelope.id, routingKey: envelope.type, payload: envelope })]);
    return sink.lines;
  };

  it('logs the whole CloudEvents envelope as it would be published, with routing key and message id', async () => {
    const [line, ...rest] = await publish();
    expect(rest).toEqual([]);
    expect(line.message).toBe('domain event published (log bus)');
    expect(line.fields).toMatchObject({
      routing_key: 'transaction.approved',
      message_id: envelope.id,
      content_type: CLOUDEVENTS_CONTENT_TYPE,
    });
    const ce = line.fields.cloudevent as Json;
    expect(Object.keys(ce)).toEqual([
      'specversion',
      'id',
      'source',
      'type',
      'subject',
      'time',
      'datacontenttype',
      'data',
    ]);
    expect(ce).toMatchObject({
      specversion: '1.0',
      id: envelope.id,
      source: '/payments-service',
      type: 'transaction.approved',
      subject: 'order-1001',
      time: envelope.time,
      datacontenttype: 'application/json',
    });
    // the data's shape and its harmless values stay visible
    expect(ce.data).toMatchObject({
      id: envelope.data.id,
      reference: 'order-1001',
      status: 'APPROVED',
      amount_in_cents: 2_490_000,
      payment_method_type: 'DAVIPLATA',
    });
    expect(ce.data.metadata).toMatchObject({ order_id: 'A-1001', items: [{ sku: 'SKU-1', qty: 2 }] });
    expect(ce.data.next_action.url).toBe(envelope.data.next_action.url);
  });

  it('masks the buyer personal data and secrets, by field name and in free text', async () => {
    const [line] = await publish();
    const ce = line.fields.cloudevent as Json;
    expect(ce.data.customer_email).toBe(REDACTED);
    expect(ce.data.metadata.buyer).toEqual({
      full_name: REDACTED,
      name: REDACTED,
      last_name: REDACTED,
      phone_number: REDACTED,
      customer_phone: REDACTED,
      legal_id: REDACTED,
      email: REDACTED,
    });
    expect(ce.data.metadata.note).toBe(`ping ${REDACTED} please`);
    expect(ce.data.redirect_url).not.toContain(EMAIL);
    expect(ce.data.next_action.url_services.token).toBe(REDACTED);
    const text = JSON.stringify(line);
    for (const value of [EMAIL, PHONE, LEGAL_ID, NAME, 'Juanita', 'otp-bearer-abcdef'])
      expect({ value, found: text.includes(value) }).toEqual({ value, found: false });
  });

  it('does not change the message it is given (what a broker would get)', async () => {
    const sink = new CapturingSink();
    const message = toBusMessage({ id: '42', eventId: envelope.id, routingKey: envelope.type, payload: envelope });
    const before = message.body.toString('utf8');
    await new LogEventBus(sink).publish([message]);
    expect(message.body.toString('utf8')).toBe(before);
    expect(JSON.parse(before).data.customer_email).toBe(EMAIL);
  });

  it('logs a body that is not a JSON object by size only', async () => {
    const sink = new CapturingSink();
    await new LogEventBus(sink).publish([
      {
        id: 'x',
        routingKey: 'transaction.approved',
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        body: Buffer.from(`not json ${EMAIL}`),
      },
    ]);
    expect(sink.lines[0].fields.cloudevent).toEqual({ unparseable_body_bytes: Buffer.byteLength(`not json ${EMAIL}`) });
  });
});

describe('BUS_DRIVER=log: the running service logs each event as its masked CloudEvent', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let child: ChildProcess;
  let output = '';
  let url = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({
      port: 0,
      silent: true,
      cardDelayMs: 100,
      asyncDelayMs: 200,
      retryDelaysMs: [300, 600, 900],
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // as `npm run dev` without AMQP_URL: the log bus
    const env = testEnv(db, sandbox, {
      PORT: String(port),
      LOG_LEVEL: 'info',
      AMQP_URL: undefined,
      BUS_DRIVER: 'log',
      OUTBOX_POLL_MS: '50',
    });
    child = spawn(process.execPath, NODE_ARGS, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    await waitFor(
      'the service to be ready',
      async () => (await fetch(`${url}/health/ready`)).status === 200,
      BOOT_BOUND_MS,
      200,
    );
    sandbox.setEventsUrl(`${url}/v1/webhooks/wompi`);
  }, BOOT_BOUND_MS + 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await sandbox?.close();
    await db?.drop();
  });

  it('writes transaction.approved with every envelope field, metadata included, and no buyer data', async () => {
    const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/v1/transactions`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'log-bus-card-1' },
      body: JSON.stringify({
        amount_in_cents: 2_490_000,
        currency: 'COP',
        customer_email: EMAIL,
        ...(await acceptanceTokens(sandbox)),
        payment_method: { type: 'CARD', token: await cardToken(sandbox), installments: 1 },
        customer_data: { phone_number: PHONE, full_name: NAME, legal_id: LEGAL_ID, legal_id_type: 'CC' },
        metadata: { order_id: 'A-77', buyer_name: NAME, contact: EMAIL },
      }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string; reference: string };

    const line = await waitFor(
      'transaction.approved on the log bus',
      async () =>
        output
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Json)
          .find(
            (l) =>
              l.msg === 'domain event published (log bus)' &&
              l.cloudevent?.type === 'transaction.approved' &&
              l.cloudevent?.data?.id === payment.id,
          ),
      20_000,
      100,
    );
    expect(line).toMatchObject({
      context: 'Events',
      routing_key: 'transaction.approved',
      message_id: line.cloudevent.id,
      content_type: CLOUDEVENTS_CONTENT_TYPE,
    });
    expect(line.cloudevent).toMatchObject({
      specversion: '1.0',
      source: '/payments-service',
      type: 'transaction.approved',
      subject: payment.reference,
      datacontenttype: 'application/json',
      data: {
        id: payment.id,
        reference: payment.reference,
        status: 'APPROVED',
        amount_in_cents: 2_490_000,
        currency: 'COP',
        customer_email: REDACTED,
        metadata: { order_id: 'A-77', buyer_name: REDACTED, contact: REDACTED },
      },
    });
    expect(line.cloudevent.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(line.cloudevent.time).toISOString()).toBe(line.cloudevent.time);

    for (const value of [EMAIL, PHONE, LEGAL_ID, NAME])
      expect({ value, found: output.includes(value) }).toEqual({ value, found: false });
  });
});
