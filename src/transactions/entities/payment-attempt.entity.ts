import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { bigintAsNumber } from '../../database/transformers';
import { PaymentStatus } from '../payment-status';
import { PaymentEntity } from './payment.entity';

/** One Wompi transaction of a payment (a buyer retry in the widget makes another). */
@Entity({ name: 'payment_attempts' })
@Unique('uq_payment_attempts_wompi_id', ['wompiTransactionId'])
@Check('ck_payment_attempts_status', `status in ('PENDING','UNKNOWN','APPROVED','DECLINED','ERROR','VOIDED')`)
@Index('ix_payment_attempts_payment', ['paymentId'])
export class PaymentAttemptEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ForeignKey(() => PaymentEntity, { name: 'fk_payment_attempts_payment', onDelete: 'CASCADE' })
  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;
  /** null while UNKNOWN (the create's outcome was not seen) */
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64, nullable: true }) wompiTransactionId:
    string | null;
  @Column({ type: 'varchar', length: 16 }) status: PaymentStatus;
  @Column({ name: 'payment_method_type', type: 'varchar', length: 32, nullable: true }) paymentMethodType:
    string | null;
  @Column({ name: 'amount_in_cents', type: 'bigint', transformer: bigintAsNumber }) amountInCents: number;
  @Column({ name: 'status_message', type: 'text', nullable: true }) statusMessage: string | null;
  /** last Wompi view of the transaction */
  @Column({ type: 'jsonb', nullable: true }) snapshot: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'finalized_at', type: 'timestamptz', nullable: true }) finalizedAt: Date | null;
}
