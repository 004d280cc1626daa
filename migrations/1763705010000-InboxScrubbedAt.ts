import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the retention job minimised a settled inbox row's raw body and payload (buyer data
 * removed, checksum-verifiable fields kept: src/ops/event-minimiser.ts). Null = untouched.
 */
export class InboxScrubbedAt1763705010000 implements MigrationInterface {
  name = 'InboxScrubbedAt1763705010000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhook_inbox add column scrubbed_at timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhook_inbox drop column if exists scrubbed_at`);
  }
}
