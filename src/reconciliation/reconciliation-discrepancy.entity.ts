import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintAsNumber } from '../database/transformers';
import { ReconciliationRunEntity } from './reconciliation-run.entity';

/** What a run can find (docs/reconciliation.md has the runbook of each). */
export const DISCREPANCY_KINDS = [
  'unknown_reference',
  'missing_at_wompi',
  'status_mismatch',
  'status_contradiction',
  'duplicate_approval',
  'amount_mismatch',
  'currency_mismatch',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];
/** healed: applied through the state machine (source `reconciliation`); reported: left to a person */
export const RESOLUTIONS = ['healed', 'reported'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** One Wompi transaction on which our books and Wompi's disagreed during a run. */
@Entity({ name: 'reconciliation_discrepancies' })
@Unique('uq_reconciliation_discrepancies_run_tx', ['runId', 'wompiTransactionId'])
@Check(
  'ck_reconciliation_discrepancies_kind',
  `kind in ('unknown_reference','missing_at_wompi','status_mismatch','status_contradiction','duplicate_approval','amount_mismatch','currency_mismatch')`,
)
@Check('ck_reconciliation_discrepancies_resolution', `resolution in ('healed','reported')`)
export class ReconciliationDiscrepancyEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @ForeignKey(() => ReconciliationRunEntity, { name: 'fk_reconciliation_discrepancies_run', onDelete: 'CASCADE' })
  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;
  @Column({ type: 'varchar', length: 32 }) kind: DiscrepancyKind;
  @Column({ type: 'varchar', length: 16 }) resolution: Resolution;
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64 }) wompiTransactionId: string;
  @Column({ name: 'wompi_reference', type: 'varchar', length: 255, nullable: true }) wompiReference: string | null;
  @Column({ name: 'payment_id', type: 'uuid', nullable: true }) paymentId: string | null;
  /** the caller's own reference of our payment */
  @Column({ type: 'varchar', length: 64, nullable: true }) reference: string | null;
  @Column({ name: 'our_status', type: 'varchar', length: 16, nullable: true }) ourStatus: string | null;
  @Column({ name: 'wompi_status', type: 'varchar', length: 16, nullable: true }) wompiStatus: string | null;
  @Column({ name: 'our_amount_in_cents', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  ourAmountInCents: number | null;
  @Column({ name: 'wompi_amount_in_cents', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  wompiAmountInCents: number | null;
  @Column({ name: 'our_currency', type: 'char', length: 3, nullable: true }) ourCurrency: string | null;
  @Column({ name: 'wompi_currency', type: 'varchar', length: 8, nullable: true }) wompiCurrency: string | null;
  @Column({ type: 'text' }) detail: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
