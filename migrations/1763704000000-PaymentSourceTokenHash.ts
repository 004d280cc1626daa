import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SHA-256 of the token a payment source was created from (never the token). When Wompi's
 * answer to POST /payment_sources is lost the row stays UNKNOWN without a Wompi id; the hash is
 * what proves, later, that a source Wompi holds is the one this row asked for (a token is single
 * use, so its match is strong proof) before the row adopts it. Rows made before this column
 * have none and are never adopted.
 */
export class PaymentSourceTokenHash1763704000000 implements MigrationInterface {
  name = 'PaymentSourceTokenHash1763704000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table payment_sources add column token_sha256 varchar(64)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table payment_sources drop column if exists token_sha256`);
  }
}
