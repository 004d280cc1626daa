import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Buyer-retry window and give-up horizons (docs/buyer-retry-and-horizons.md):
 * - EXPIRED, our own terminal status, on payments and fulfilments (attempts keep Wompi's);
 * - `payments.retryable_until`: until when a failed buyer-retryable payment's failure event is
 *   held back (the buyer may still retry in the Widget);
 * - outbox SUPERSEDED: a held failure event an approval overtook before it was ever published.
 * The index serves the session-expiry sweep (PENDING checkouts with no Wompi transaction).
 */
export class BuyerRetryAndHorizons1763709000000 implements MigrationInterface {
  name = 'BuyerRetryAndHorizons1763709000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table payments drop constraint ck_payments_status`);
    await q.query(
      `alter table payments add constraint ck_payments_status check (status in ('PENDING','UNKNOWN','APPROVED','DECLINED','ERROR','VOIDED','EXPIRED'))`,
    );
    await q.query(`alter table fulfilments drop constraint ck_fulfilments_status`);
    await q.query(
      `alter table fulfilments add constraint ck_fulfilments_status check (status in ('APPROVED','DECLINED','ERROR','VOIDED','EXPIRED'))`,
    );
    await q.query(`alter table outbox drop constraint ck_outbox_status`);
    await q.query(
      `alter table outbox add constraint ck_outbox_status check (status in ('PENDING','SENT','DEAD','SUPERSEDED'))`,
    );
    await q.query(`alter table payments add column retryable_until timestamptz`);
    await q.query(
      `create index ix_payments_unpaid_sessions on payments (created_at) where status = 'PENDING' and wompi_transaction_id is null and kind = 'CHECKOUT'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists ix_payments_unpaid_sessions`);
    await q.query(`alter table payments drop column if exists retryable_until`);
    // nothing of ours maps back onto the old statuses: a superseded event was never sent, an expired payment is still pending at Wompi
    await q.query(`delete from outbox where status = 'SUPERSEDED'`);
    await q.query(`alter table outbox drop constraint ck_outbox_status`);
    await q.query(`alter table outbox add constraint ck_outbox_status check (status in ('PENDING','SENT','DEAD'))`);
    await q.query(`delete from fulfilments where status = 'EXPIRED'`);
    await q.query(`alter table fulfilments drop constraint ck_fulfilments_status`);
    await q.query(
      `alter table fulfilments add constraint ck_fulfilments_status check (status in ('APPROVED','DECLINED','ERROR','VOIDED'))`,
    );
    await q.query(`update payments set status = 'PENDING', finalized_at = null where status = 'EXPIRED'`);
    await q.query(`alter table payments drop constraint ck_payments_status`);
    await q.query(
      `alter table payments add constraint ck_payments_status check (status in ('PENDING','UNKNOWN','APPROVED','DECLINED','ERROR','VOIDED'))`,
    );
  }
}
