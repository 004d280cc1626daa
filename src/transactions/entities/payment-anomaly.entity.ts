import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TransitionSource } from '../payment-status';

/** A Wompi report refused because its amount, currency or reference disagree with ours. */
@Entity({ name: 'payment_anomalies' })
export class PaymentAnomalyEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'payment_id', type: 'uuid', nullable: true }) paymentId: string | null;
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64, nullable: true }) wompiTransactionId:
    string | null;
  @Column({ type: 'varchar', length: 32 }) kind: string;
  @Column({ type: 'varchar', length: 16 }) source: TransitionSource;
  @Column({ type: 'jsonb' }) expected: Record<string, unknown>;
  @Column({ type: 'jsonb' }) actual: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
