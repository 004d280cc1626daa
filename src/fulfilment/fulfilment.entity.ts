import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PaymentEntity } from '../transactions/entities/payment.entity';

/** Unique per (payment, status): writing it twice is impossible, so fulfilment happens once. */
@Entity({ name: 'fulfilments' })
@Unique('uq_fulfilments_payment_status', ['paymentId', 'status'])
@Check('ck_fulfilments_status', `status in ('APPROVED','DECLINED','ERROR','VOIDED','EXPIRED')`)
export class FulfilmentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ForeignKey(() => PaymentEntity, { name: 'fk_fulfilments_payment', onDelete: 'CASCADE' })
  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;
  @Column({ type: 'varchar', length: 16 }) status: 'APPROVED' | 'DECLINED' | 'ERROR' | 'VOIDED' | 'EXPIRED';
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64, nullable: true }) wompiTransactionId:
    string | null;
  @Column({ name: 'inbox_event_id', type: 'uuid', nullable: true }) inboxEventId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
