import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation runs (our books against Wompi's listing) and what each one found. A range is
 * reconciled by one run (uq_reconciliation_runs_range): asking again returns it.
 */
export class Reconciliation1763707000000 implements MigrationInterface {
  name = 'Reconciliation1763707000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table reconciliation_runs (
        id uuid not null default gen_random_uuid(),
        trigger varchar(16) not null,
        status varchar(16) not null,
        from_at timestamptz not null,
        until_at timestamptz not null,
        requested_by varchar(64),
        attempt integer not null default 1,
        wompi_transactions integer not null default 0,
        local_transactions integer not null default 0,
        matched integer not null default 0,
        healed integer not null default 0,
        discrepancies integer not null default 0,
        pages integer not null default 0,
        waited_ms bigint not null default 0,
        error text,
        created_at timestamptz not null default now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz not null default now(),
        constraint pk_reconciliation_runs primary key (id),
        constraint uq_reconciliation_runs_range unique (from_at, until_at),
        constraint ck_reconciliation_runs_trigger check (trigger in ('daily','manual')),
        constraint ck_reconciliation_runs_status check (status in ('queued','running','waiting','completed','failed')),
        constraint ck_reconciliation_runs_range check (from_at < until_at)
      )`);
    await q.query(`create index ix_reconciliation_runs_created_id on reconciliation_runs (created_at, id)`);
    await q.query(`create index ix_reconciliation_runs_status_finished on reconciliation_runs (status, finished_at)`);

    await q.query(`
      create table reconciliation_discrepancies (
        id bigserial not null,
        run_id uuid not null,
        kind varchar(32) not null,
        resolution varchar(16) not null,
        wompi_transaction_id varchar(64) not null,
        wompi_reference varchar(255),
        payment_id uuid,
        reference varchar(64),
        our_status varchar(16),
        wompi_status varchar(16),
        our_amount_in_cents bigint,
        wompi_amount_in_cents bigint,
        our_currency char(3),
        wompi_currency varchar(8),
        detail text not null,
        created_at timestamptz not null default now(),
        constraint pk_reconciliation_discrepancies primary key (id),
        constraint fk_reconciliation_discrepancies_run foreign key (run_id) references reconciliation_runs(id) on delete cascade,
        constraint uq_reconciliation_discrepancies_run_tx unique (run_id, wompi_transaction_id),
        constraint ck_reconciliation_discrepancies_kind check (kind in ('unknown_reference','missing_at_wompi','status_mismatch','status_contradiction','duplicate_approval','amount_mismatch','currency_mismatch')),
        constraint ck_reconciliation_discrepancies_resolution check (resolution in ('healed','reported'))
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists reconciliation_discrepancies`);
    await q.query(`drop table if exists reconciliation_runs`);
  }
}
