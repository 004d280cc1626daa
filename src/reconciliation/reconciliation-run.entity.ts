import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { bigintAsNumber } from '../database/transformers';

export const RUN_TRIGGERS = ['daily', 'manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** queued → running ⇄ waiting (Wompi unavailable) → completed | failed */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One reconciliation of [from, until) against Wompi's listing; one run per range. */
@Entity({ name: 'reconciliation_runs' })
@Unique('uq_reconciliation_runs_range', ['fromAt', 'untilAt'])
@Check('ck_reconciliation_runs_trigger', `trigger in ('daily','manual')`)
@Check('ck_reconciliation_runs_status', `status in ('queued','running','waiting','completed','failed')`)
@Check('ck_reconciliation_runs_range', `from_at < until_at`)
@Index('ix_reconciliation_runs_created_id', ['createdAt', 'id'])
@Index('ix_reconciliation_runs_status_finished', ['status', 'finishedAt'])
export class ReconciliationRunEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 16 }) trigger: RunTrigger;
  @Column({ type: 'varchar', length: 16 }) status: RunStatus;
  @Column({ name: 'from_at', type: 'timestamptz' }) fromAt: Date;
  @Column({ name: 'until_at', type: 'timestamptz' }) untilAt: Date;
  /** the operator (caller name) of a manual run */
  @Column({ name: 'requested_by', type: 'varchar', length: 64, nullable: true }) requestedBy: string | null;
  /** bumped when a failed run is asked for again (its queue job id changes with it) */
  @Column({ type: 'integer', default: 1 }) attempt: number;
  @Column({ name: 'wompi_transactions', type: 'integer', default: 0 }) wompiTransactions: number;
  @Column({ name: 'local_transactions', type: 'integer', default: 0 }) localTransactions: number;
  @Column({ type: 'integer', default: 0 }) matched: number;
  @Column({ type: 'integer', default: 0 }) healed: number;
  /** reported (unhealed) discrepancies */
  @Column({ type: 'integer', default: 0 }) discrepancies: number;
  @Column({ type: 'integer', default: 0 }) pages: number;
  /** time spent waiting out Wompi outages */
  @Column({ name: 'waited_ms', type: 'bigint', default: 0, transformer: bigintAsNumber }) waitedMs: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
