// One card payment through the api (container) against the sandbox (container): created,
// APPROVED by the sandbox's signed webhook, and its transaction.approved CloudEvent consumed
// from RabbitMQ on a queue bound before the payment.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { KEYS, ROOT, waitFor } from './lib.mjs';

const require = createRequire(`${ROOT}/package.json`);

async function call(method, url, { auth, body, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

function expectStatus(what, r, status) {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status}: ${r.text.slice(0, 800)}`);
}

/** Runs the payment; returns { id, eventId } or throws saying which step failed. */
export async function paymentFlow({ api, sandbox, amqpUrl, exchange, keys = { pub: KEYS.pub, api: KEYS.api } }) {
  const amqp = require('amqplib');
  const conn = await amqp.connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    // The service declares the same exchange; declaring it here lets the queue bind first.
    await ch.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, exchange, '#');
    const events = [];
    await ch.consume(queue, (m) => {
      if (!m) return;
      events.push({
        type: m.properties.contentType,
        routingKey: m.fields.routingKey,
        body: JSON.parse(m.content.toString('utf8')),
      });
      ch.ack(m);
    });

    const key = keys.api.slice(keys.api.indexOf(':') + 1); // INTERNAL_API_KEYS entry name:key
    const tok = await call('POST', `${sandbox}/v1/tokens/cards`, {
      auth: keys.pub,
      body: { number: '4242424242424242', cvc: '123', exp_month: '12', exp_year: '35', card_holder: 'Juana Perez' },
    });
    expectStatus('card token from the sandbox', tok, 201);
    const acc = await call('GET', `${api}/v1/acceptance`, { auth: key });
    expectStatus('GET /v1/acceptance', acc, 200);
    const reference = `image-${randomUUID()}`;
    const created = await call('POST', `${api}/v1/transactions`, {
      auth: key,
      headers: { 'idempotency-key': reference },
      body: {
        amount_in_cents: 2_490_000,
        currency: 'COP',
        customer_email: 'buyer@example.com',
        acceptance_token: acc.json.acceptance_token,
        accept_personal_auth: acc.json.accept_personal_auth,
        payment_method: { type: 'CARD', token: tok.json.data.id, installments: 1 },
      },
    });
    expectStatus('POST /v1/transactions', created, 201);
    const id = created.json.id;
    await waitFor(`payment ${id} APPROVED`, 60_000, async () => {
      const r = await call('GET', `${api}/v1/transactions/${id}`, { auth: key });
      expectStatus(`GET /v1/transactions/${id}`, r, 200);
      if (['DECLINED', 'ERROR', 'VOIDED'].includes(r.json.status)) throw new Error(`payment ended ${r.json.status}`);
      return r.json.status === 'APPROVED';
    });
    // subject: the payment's reference as the service reports it
    const subject = created.json.reference ?? reference;
    const event = await waitFor(
      `transaction.approved CloudEvent for ${subject} on ${exchange} (seen: ${events.length})`,
      60_000,
      async () =>
        events.find(
          (e) =>
            e.routingKey === 'transaction.approved' &&
            (e.body.subject === subject || JSON.stringify(e.body.data ?? {}).includes(id)),
        ),
    );
    if (event.body.specversion !== '1.0' || event.type !== 'application/cloudevents+json') {
      throw new Error(
        `not a structured CloudEvent: ${JSON.stringify({ contentType: event.type, specversion: event.body.specversion })}`,
      );
    }
    return { id, reference, eventId: event.body.id };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
