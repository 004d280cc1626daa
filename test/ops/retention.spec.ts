/* Retention: old SENT outbox rows and old settled inbox rows go; work still to do and recent
 * rows stay. Settled inbox rows lose their buyer data after RETENTION_INBOX_SCRUB_HOURS while
 * their checksum still recomputes from what is kept. */
import { randomUUID } from 'node:crypto';
import { RetentionPurger } from '../../src/ops/retention';
import { computeEventChecksum } from '../../src/wompi/signatures';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';

type Json = Record<string, unknown>;

describe('retention purge (worker role)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      wireWebhooks: false,
      env: { RETENTION_OUTBOX_SENT_DAYS: '7', RETENTION_INBOX_DAYS: '30' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function outbox(status: string, sentAgo: string | null): Promise<string> {
    const [r] = await pgQuery<{ id: string }>(
      t.db.url,
      `insert into outbox (event_id, aggregate_id, event_type, routing_key, payload, status, sent_at, next_attempt_at)
       values ($1, $2, 'transaction.approved', 'transaction.approved', '{}'::jsonb, $3, ${sentAgo ? `now() - interval '${sentAgo}'` : 'null'}, now() + interval '1 day') returning id`,
      [randomUUID(), randomUUID(), status],
    );
    return r.id;
  }

  async function inbox(status: string, ago: string): Promise<string> {
    const [r] = await pgQuery<{ id: string }>(
      t.db.url,
      `insert into webhook_inbox (event_key, event_type, checksum, signed_timestamp, raw_body, payload, status, received_at, last_received_at, processed_at, enqueued_at)
       values ($1, 'transaction.updated', 'ab', 1, '{}', '{}'::jsonb, $2, now() - interval '${ago}', now() - interval '${ago}', ${status === 'PROCESSED' ? `now() - interval '${ago}'` : 'null'}, now() + interval '1 day') returning id`,
      [`retention:${randomUUID()}`, status],
    );
    return r.id;
  }

  it('deletes only what has been settled for longer than its retention', async () => {
    const oldSent = await outbox('SENT', '8 days');
    const recentSent = await outbox('SENT', '6 days');
    const oldPending = await outbox('PENDING', null);
    const oldDead = await outbox('DEAD', null);
    const oldProcessed = await inbox('PROCESSED', '31 days');
    const oldIgnored = await inbox('IGNORED', '40 days');
    const recentProcessed = await inbox('PROCESSED', '29 days');
    const oldReceived = await inbox('RECEIVED', '60 days');
    const oldDeadInbox = await inbox('DEAD', '60 days');

    const deleted = await t.app.get(RetentionPurger).purge();
    // every settled inbox row older than the scrub horizon (default 24 h) is minimised first
    expect(deleted).toEqual({ inbox_scrubbed: 4, outbox_sent: 1, inbox_settled: 2 });

    const outboxLeft = (await pgQuery<{ id: string }>(t.db.url, `select id from outbox`)).map((r) => r.id);
    expect(outboxLeft.sort()).toEqual([recentSent, oldPending, oldDead].sort());
    expect(outboxLeft).not.toContain(oldSent);
    const inboxLeft = (await pgQuery<{ id: string }>(t.db.url, `select id from webhook_inbox`)).map((r) => r.id);
    expect(inboxLeft.sort()).toEqual([recentProcessed, oldReceived, oldDeadInbox].sort());
    expect(inboxLeft).not.toEqual(expect.arrayContaining([oldProcessed, oldIgnored]));
  });
});

describe('retention: buyer data scrubbed from settled inbox rows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      wireWebhooks: false,
      env: { RETENTION_INBOX_SCRUB_HOURS: '6', RETENTION_INBOX_DAYS: '90', WOMPI_VERIFY_APPROVED_BY_FETCH: 'false' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const PERSONAL = [
    'comprador@example.com',
    '+573001234567',
    'Comprador Prueba',
    '1999888777',
    'tok_test_21271_970b76Bf',
    'Calle 123',
    'VISA-4242',
  ];

  /** A real-shaped sandbox event full of buyer data, signed with our events secret, delivered over HTTP. */
  async function deliver(status: string): Promise<{ id: string; event: Json }> {
    const id = `121271-${Date.now()}-${Math.floor(Math.random() * 1e5)}`;
    const event: Json = {
      event: 'transaction.updated',
      data: {
        transaction: {
          id,
          created_at: '2022-08-15T11:57:09.637Z',
          finalized_at: '2022-08-15T11:57:09.000Z',
          amount_in_cents: 1734000,
          reference: `nobody-${randomUUID()}`,
          customer_email: 'comprador@example.com',
          currency: 'COP',
          payment_method_type: 'CARD',
          payment_method: {
            type: 'CARD',
            extra: { bin: '424242', name: 'VISA-4242', brand: 'VISA', last_four: '4242' },
            token: 'tok_test_21271_970b76Bf236E79E5b9d189DEd014d28E',
            installments: 1,
          },
          status,
          status_message: null,
          shipping_address: {
            address_line_1: 'Calle 123',
            country: 'CO',
            region: 'Cundinamarca',
            city: 'Bogotá',
            phone_number: '+573001234567',
          },
          redirect_url: 'https://shop.example.co/return',
          payment_source_id: null,
          payment_link_id: null,
          customer_data: {
            legal_id: '1999888777',
            full_name: 'Comprador Prueba',
            phone_number: '+573001234567',
            legal_id_type: 'CC',
          },
          billing_data: { legal_id_type: 'CC', legal_id: '1999888777' },
        },
      },
      sent_at: new Date().toISOString(),
      timestamp: Math.floor(Date.now() / 1000),
      signature: { properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'] },
      environment: 'test',
    };
    (event.signature as Json).checksum = computeEventChecksum(event as never, t.sandbox.keys.eventsSecret);
    const res = await fetch(`${t.url}/v1/webhooks/wompi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(200);
    const row = await waitFor(
      'the event settled (PROCESSED: no payment of ours, recorded as external)',
      async () =>
        (
          await pgQuery<{ id: string }>(
            t.db.url,
            `select id from webhook_inbox where payload->'data'->'transaction'->>'id' = $1 and status = 'PROCESSED'`,
            [id],
          )
        )[0],
      15_000,
      100,
    );
    return { id: row.id, event };
  }

  const row = async (id: string) =>
    (
      await pgQuery<{ raw_body: string; payload: Json; checksum: string; scrubbed_at: Date | null }>(
        t.db.url,
        `select raw_body, payload, checksum, scrubbed_at from webhook_inbox where id = $1`,
        [id],
      )
    )[0];

  it('keeps only checksum-verifiable and audit fields of a row settled longer than the horizon; recent rows stay whole', async () => {
    const old = await deliver('APPROVED');
    const recent = await deliver('DECLINED');
    await pgQuery(
      t.db.url,
      `update webhook_inbox set processed_at = now() - interval '7 hours', last_received_at = now() - interval '7 hours' where id = $1`,
      [old.id],
    );
    for (const r of [old, recent]) for (const p of PERSONAL) expect((await row(r.id)).raw_body).toContain(p);

    const done = await t.app.get(RetentionPurger).purge();
    expect(done.inbox_scrubbed).toBe(1);

    const scrubbed = await row(old.id);
    expect(scrubbed.scrubbed_at).not.toBeNull();
    for (const p of PERSONAL) {
      expect(scrubbed.raw_body).not.toContain(p);
      expect(JSON.stringify(scrubbed.payload)).not.toContain(p);
    }
    const kept = JSON.parse(scrubbed.raw_body) as Json;
    const tx = (old.event.data as Json).transaction as Json;
    expect(kept).toEqual({
      event: 'transaction.updated',
      environment: 'test',
      sent_at: old.event.sent_at,
      timestamp: old.event.timestamp,
      signature: old.event.signature,
      data: {
        transaction: {
          id: tx.id,
          created_at: tx.created_at,
          finalized_at: tx.finalized_at,
          amount_in_cents: 1734000,
          reference: tx.reference,
          currency: 'COP',
          payment_method_type: 'CARD',
          payment_method: { type: 'CARD' },
          status: 'APPROVED',
          status_message: null,
          payment_source_id: null,
          payment_link_id: null,
        },
      },
    });
    expect(scrubbed.payload).toEqual(kept);
    // an auditor recomputes the checksum from the kept body and the events secret
    expect(computeEventChecksum(kept as never, t.sandbox.keys.eventsSecret)).toBe(scrubbed.checksum);
    expect(scrubbed.checksum).toBe((old.event.signature as Json).checksum);

    const untouched = await row(recent.id);
    expect(untouched.scrubbed_at).toBeNull();
    for (const p of PERSONAL) expect(untouched.raw_body).toContain(p);
    // a second pass finds nothing more to do
    expect((await t.app.get(RetentionPurger).purge()).inbox_scrubbed).toBe(0);
  });
});
