import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment sources created through POST /v1/payment-sources: which caller owns which Wompi
 * source (so no caller charges or reads another's), and the consent evidence of their
 * creation in the one `consents` table — a consent row now belongs to exactly one payment or
 * one payment source.
 */
export class PaymentSources1763702000000 implements MigrationInterface {
  name = 'PaymentSources1763702000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table payment_sources (
        id uuid not null default gen_random_uuid(),
        caller varchar(64) not null,
        idempotency_key varchar(255) not null,
        wompi_payment_source_id bigint,
        type varchar(32) not null,
        status varchar(16) not null,
        customer_email varchar(320) not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint pk_payment_sources primary key (id),
        constraint uq_payment_sources_caller_key unique (caller, idempotency_key),
        constraint uq_payment_sources_wompi_id unique (wompi_payment_source_id),
        constraint ck_payment_sources_type check (type in ('CARD','NEQUI','DAVIPLATA','BANCOLOMBIA_TRANSFER'))
      )`);
    await q.query(`alter table consents alter column payment_id drop not null`);
    await q.query(`alter table consents add column payment_source_id uuid`);
    await q.query(
      `alter table consents add constraint fk_consents_payment_source foreign key (payment_source_id) references payment_sources(id) on delete cascade`,
    );
    await q.query(
      `alter table consents add constraint ck_consents_subject check (num_nonnulls(payment_id, payment_source_id) = 1)`,
    );
    await q.query(`create index ix_consents_payment_source on consents (payment_source_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from consents where payment_id is null`);
    await q.query(`drop index if exists ix_consents_payment_source`);
    await q.query(`alter table consents drop constraint if exists ck_consents_subject`);
    await q.query(`alter table consents drop constraint if exists fk_consents_payment_source`);
    await q.query(`alter table consents drop column if exists payment_source_id`);
    await q.query(`alter table consents alter column payment_id set not null`);
    await q.query(`drop table if exists payment_sources`);
  }
}
