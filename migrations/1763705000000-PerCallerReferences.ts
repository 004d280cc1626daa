import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-caller references: a caller's `reference` is unique only among its own payments, so one
 * caller can neither probe (409) nor squat another's references. Wompi still needs a reference
 * unique per merchant: `wompi_reference`, derived from (caller, reference) for new payments
 * (wompiReferenceFor). Existing payments keep their reference as their Wompi reference — that
 * is what Wompi holds for them, so their webhooks, resolutions and confirms still match.
 *
 * down: the old code matches Wompi by `reference`, so every payment takes its Wompi reference
 * back as its reference (callers then see the derived one for payments made after `up`), and the
 * global unique key returns.
 */
export class PerCallerReferences1763705000000 implements MigrationInterface {
  name = 'PerCallerReferences1763705000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table payments add column wompi_reference varchar(64)`);
    await q.query(`update payments set wompi_reference = reference`);
    await q.query(`alter table payments alter column wompi_reference set not null`);
    await q.query(`alter table payments add constraint uq_payments_wompi_reference unique (wompi_reference)`);
    await q.query(`alter table payments add constraint uq_payments_caller_reference unique (caller, reference)`);
    await q.query(`alter table payments drop constraint uq_payments_reference`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table payments drop constraint uq_payments_caller_reference`);
    await q.query(`update payments set reference = wompi_reference where reference <> wompi_reference`);
    await q.query(`alter table payments add constraint uq_payments_reference unique (reference)`);
    await q.query(`alter table payments drop constraint uq_payments_wompi_reference`);
    await q.query(`alter table payments drop column wompi_reference`);
  }
}
