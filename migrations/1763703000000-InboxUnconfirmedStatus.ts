import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook_inbox.status gains UNCONFIRMED: a signed final status (e.g. APPROVED) that Wompi's
 * own API did not confirm within the job's retries. Not settled: the sweeper and redeliveries
 * retry it (it used to be settled as PROCESSED and a later genuine delivery was only counted).
 * Payment anomalies need no schema change: a contradicted final status is recorded with
 * kind `status_contradiction`.
 */
export class InboxUnconfirmedStatus1763703000000 implements MigrationInterface {
  name = 'InboxUnconfirmedStatus1763703000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhook_inbox drop constraint ck_webhook_inbox_status`);
    await q.query(
      `alter table webhook_inbox add constraint ck_webhook_inbox_status check (status in ('RECEIVED','PROCESSED','IGNORED','FAILED','DEAD','UNCONFIRMED'))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    // FAILED is the nearest older state: still unsettled, and claimed by the sweeper
    await q.query(`update webhook_inbox set status = 'FAILED' where status = 'UNCONFIRMED'`);
    await q.query(`alter table webhook_inbox drop constraint ck_webhook_inbox_status`);
    await q.query(
      `alter table webhook_inbox add constraint ck_webhook_inbox_status check (status in ('RECEIVED','PROCESSED','IGNORED','FAILED','DEAD'))`,
    );
  }
}
