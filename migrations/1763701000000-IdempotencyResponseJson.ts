import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A replay must be "the stored first response again". jsonb re-orders keys (and drops
 * duplicates), so the replayed body differed in bytes from the first one; json keeps the text.
 */
export class IdempotencyResponseJson1763701000000 implements MigrationInterface {
  name = 'IdempotencyResponseJson1763701000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table idempotency_keys alter column response_body type json using response_body::json`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table idempotency_keys alter column response_body type jsonb using response_body::jsonb`);
  }
}
