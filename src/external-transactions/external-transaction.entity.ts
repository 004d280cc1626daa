import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintAsNumber } from '../database/transformers';
import { PaymentEntity } from '../transactions/entities/payment.entity';

/**
 * A Wompi transaction whose reference this service never issued (a dashboard charge, a link
 * made outside this service, a widget on another page): recorded, announced
 * (`transaction.external`), never silently ignored. No buyer data is kept here.
 */
@Entity({ name: 'external_transactions' })
@Unique('uq_external_transactions_wompi_id', ['wompiTransactionId'])
@Index('ix_external_transactions_first_seen', ['firstSeenAt', 'id'])
export class ExternalTransactionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64 }) wompiTransactionId: string;
  @Column({ type: 'varchar', length: 255 }) reference: string;
  @Column({ name: 'amount_in_cents', type: 'bigint', transformer: bigintAsNumber }) amountInCents: number;
  @Column({ type: 'char', length: 3 }) currency: string;
  /** Wompi's status as last reported */
  @Column({ type: 'varchar', length: 16 }) status: string;
  @Column({ name: 'payment_method_type', type: 'varchar', length: 32, nullable: true }) paymentMethodType:
    string | null;
  /** a Wompi payment link that is not one of ours (made in the dashboard) */
  @Column({ name: 'wompi_payment_link_id', type: 'varchar', length: 64, nullable: true }) wompiPaymentLinkId:
    string | null;
  /** the payment EXTERNAL_PAYMENTS_OWNER claimed it as; null while nobody owns it */
  @ForeignKey(() => PaymentEntity, { name: 'fk_external_transactions_payment', onDelete: 'SET NULL' })
  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;
  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' }) firstSeenAt: Date;
  @Column({ name: 'last_status_at', type: 'timestamptz', default: () => 'now()' }) lastStatusAt: Date;
}
