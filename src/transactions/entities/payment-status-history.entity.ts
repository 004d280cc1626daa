import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { PaymentStatus, TransitionSource } from '../payment-status';
import { PaymentEntity } from './payment.entity';

/** Append-only: every status change of a payment, with where it came from. */
@Entity({ name: 'payment_status_history' })
@Check('ck_payment_status_history_source', `source in ('api','webhook','poll','reconciliation','confirm')`)
@Index('ix_payment_status_history_payment', ['paymentId', 'id'])
export class PaymentStatusHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @ForeignKey(() => PaymentEntity, { name: 'fk_payment_status_history_payment', onDelete: 'CASCADE' })
  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;
  @Column({ name: 'attempt_id', type: 'uuid', nullable: true }) attemptId: string | null;
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64, nullable: true }) wompiTransactionId:
    string | null;
  @Column({ name: 'from_status', type: 'varchar', length: 16, nullable: true }) fromStatus: PaymentStatus | null;
  @Column({ name: 'to_status', type: 'varchar', length: 16 }) toStatus: PaymentStatus;
  @Column({ type: 'varchar', length: 16 }) source: TransitionSource;
  @Column({ type: 'jsonb', nullable: true }) detail: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
