import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stale-payment poller's claim and back-off: a worker claims due rows with
 * FOR UPDATE SKIP LOCKED and stamps `next_poll_at` (the claim and the next turn in one), so
 * two workers never poll the same payment at once and a payment Wompi keeps PENDING is asked
 * less and less often (`poll_attempts`). The partial index holds only what the poller scans.
 */
export class PaymentPollClaim1763706000000 implements MigrationInterface {
  name = 'PaymentPollClaim1763706000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `alter table payments add column next_poll_at timestamptz, add column poll_attempts integer not null default 0`,
    );
    await q.query(
      `create index ix_payments_stale_poll on payments (coalesce(next_poll_at, updated_at)) where status = 'PENDING' and wompi_transaction_id is not null`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists ix_payments_stale_poll`);
    await q.query(`alter table payments drop column if exists poll_attempts, drop column if exists next_poll_at`);
  }
}
