/* Retention: old SENT outbox rows and old settled inbox rows go; work still to do and recent
 * rows stay. */
import { randomUUID } from 'node:crypto';
import { RetentionPurger } from '../../src/ops/retention';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';

describe('retention purge (worker role)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { RETENTION_OUTBOX_SENT_DAYS: '7', RETENTION_INBOX_DAYS: '30' } });
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
    expect(deleted).toEqual({ outbox_sent: 1, inbox_settled: 2 });

    const outboxLeft = (await pgQuery<{ id: string }>(t.db.url, `select id from outbox`)).map((r) => r.id);
    expect(outboxLeft.sort()).toEqual([recentSent, oldPending, oldDead].sort());
    expect(outboxLeft).not.toContain(oldSent);
    const inboxLeft = (await pgQuery<{ id: string }>(t.db.url, `select id from webhook_inbox`)).map((r) => r.id);
    expect(inboxLeft.sort()).toEqual([recentProcessed, oldReceived, oldDeadInbox].sort());
    expect(inboxLeft).not.toEqual(expect.arrayContaining([oldProcessed, oldIgnored]));
  });
});
