import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments that start at Wompi (issue 14):
 * - `payment_links`: Wompi payment links created through POST /v1/payment-links, owned by the
 *   calling API key (like payment sources); `deactivated_at` and `expires_at` let a late link
 *   payment be flagged rather than dropped.
 * - `payments.payment_link_id` (+ flag): a Wompi transaction carrying one of our links becomes a
 *   payment of the link's owner, kind PAYMENT_LINK; kind EXTERNAL is an unknown-reference
 *   transaction claimed by EXTERNAL_PAYMENTS_OWNER.
 * - `external_transactions`: Wompi transactions with a reference this service never issued,
 *   recorded (never ignored), one row per Wompi transaction.
 */
export class PaymentLinksAndExternal1763708000000 implements MigrationInterface {
  name = 'PaymentLinksAndExternal1763708000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table payment_links (
        id uuid not null default gen_random_uuid(),
        caller varchar(64) not null,
        idempotency_key varchar(255) not null,
        wompi_payment_link_id varchar(64),
        status varchar(16) not null,
        name varchar(255) not null,
        description varchar(1024) not null,
        single_use boolean not null,
        collect_shipping boolean not null,
        amount_in_cents bigint,
        currency char(3) not null default 'COP',
        expires_at timestamptz,
        redirect_url text,
        sku varchar(36),
        metadata jsonb not null default '{}',
        deactivated_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint pk_payment_links primary key (id),
        constraint uq_payment_links_caller_key unique (caller, idempotency_key),
        constraint uq_payment_links_wompi_id unique (wompi_payment_link_id),
        constraint ck_payment_links_status check (status in ('CREATING','UNKNOWN','ACTIVE','INACTIVE')),
        constraint ck_payment_links_amount check (amount_in_cents is null or amount_in_cents > 0),
        constraint ck_payment_links_currency check (currency = 'COP')
      )`);
    await q.query(`create index ix_payment_links_caller_created on payment_links (caller, created_at, id)`);

    await q.query(`alter table payments drop constraint ck_payments_kind`);
    await q.query(
      `alter table payments add constraint ck_payments_kind check (kind in ('TRANSACTION','CHECKOUT','PAYMENT_LINK','EXTERNAL'))`,
    );
    await q.query(`alter table payments add column payment_link_id uuid`);
    await q.query(`alter table payments add column payment_link_flag varchar(16)`);
    await q.query(
      `alter table payments add constraint fk_payments_payment_link foreign key (payment_link_id) references payment_links(id) on delete restrict`,
    );
    await q.query(
      `alter table payments add constraint ck_payments_payment_link_flag check (payment_link_flag in ('EXPIRED','DEACTIVATED'))`,
    );
    await q.query(`create index ix_payments_payment_link on payments (payment_link_id)`);

    await q.query(`
      create table external_transactions (
        id uuid not null default gen_random_uuid(),
        wompi_transaction_id varchar(64) not null,
        reference varchar(255) not null,
        amount_in_cents bigint not null,
        currency char(3) not null,
        status varchar(16) not null,
        payment_method_type varchar(32),
        wompi_payment_link_id varchar(64),
        payment_id uuid,
        first_seen_at timestamptz not null default now(),
        last_status_at timestamptz not null default now(),
        constraint pk_external_transactions primary key (id),
        constraint uq_external_transactions_wompi_id unique (wompi_transaction_id),
        constraint fk_external_transactions_payment foreign key (payment_id) references payments(id) on delete set null
      )`);
    await q.query(`create index ix_external_transactions_first_seen on external_transactions (first_seen_at, id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists external_transactions`);
    await q.query(`drop index if exists ix_payments_payment_link`);
    await q.query(`alter table payments drop constraint if exists ck_payments_payment_link_flag`);
    await q.query(`alter table payments drop constraint if exists fk_payments_payment_link`);
    await q.query(`alter table payments drop column if exists payment_link_flag`);
    await q.query(`alter table payments drop column if exists payment_link_id`);
    // payments made from links or claimed external transactions have no kind in the old schema
    await q.query(`update payments set kind = 'TRANSACTION' where kind in ('PAYMENT_LINK','EXTERNAL')`);
    await q.query(`alter table payments drop constraint ck_payments_kind`);
    await q.query(`alter table payments add constraint ck_payments_kind check (kind in ('TRANSACTION','CHECKOUT'))`);
    await q.query(`drop table if exists payment_links`);
  }
}
