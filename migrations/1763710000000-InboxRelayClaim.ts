import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox relay moved to the worker role (src/webhooks/inbox-relay.ts): it claims stored rows
 * nobody has handed to the queue yet (`enqueued_at is null`) through this partial index, and
 * `trace_context` carries the delivery's W3C trace context (null when tracing is off) from the
 * api that stored the row to the worker that enqueues it.
 */
export class InboxRelayClaim1763710000000 implements MigrationInterface {
  name = 'InboxRelayClaim1763710000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhook_inbox add column trace_context jsonb`);
    await q.query(
      `create index ix_webhook_inbox_unenqueued on webhook_inbox (received_at)
        where enqueued_at is null and status in ('RECEIVED', 'FAILED', 'UNCONFIRMED')`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists ix_webhook_inbox_unenqueued`);
    await q.query(`alter table webhook_inbox drop column if exists trace_context`);
  }
}
