import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operators list DEAD outbox rows and the relay counts them every few seconds; SENT rows
 * pile up, so both need an index that holds only the parked ones.
 */
export class OutboxDeadIndex1763700700000 implements MigrationInterface {
  name = 'OutboxDeadIndex1763700700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`create index ix_outbox_dead on outbox (id) where status = 'DEAD'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists ix_outbox_dead`);
  }
}
