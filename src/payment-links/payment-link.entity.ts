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

/**
 * CREATING while Wompi's create runs (the row is the intent), UNKNOWN when its answer was lost
 * (no Wompi id: nothing can be paid through it that we would recognise), then ACTIVE or INACTIVE.
 */
export type PaymentLinkStatus = 'CREATING' | 'UNKNOWN' | 'ACTIVE' | 'INACTIVE';

/**
 * A Wompi payment link created through this service, owned by one caller: a Wompi transaction
 * carrying its `wompi_payment_link_id` becomes a payment of that caller (LinkPaymentClaims).
 */
@Entity({ name: 'payment_links' })
@Unique('uq_payment_links_caller_key', ['caller', 'idempotencyKey'])
@Unique('uq_payment_links_wompi_id', ['wompiPaymentLinkId'])
@Check('ck_payment_links_status', `status in ('CREATING','UNKNOWN','ACTIVE','INACTIVE')`)
@Check('ck_payment_links_amount', `amount_in_cents is null or amount_in_cents > 0`)
@Check('ck_payment_links_currency', `currency = 'COP'`)
@Index('ix_payment_links_caller_created', ['caller', 'createdAt', 'id'])
export class PaymentLinkEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 64 }) caller: string;
  /** a retry that outlives its idempotency record still finds this row, never a second link */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 }) idempotencyKey: string;
  @Column({ name: 'wompi_payment_link_id', type: 'varchar', length: 64, nullable: true }) wompiPaymentLinkId:
    string | null;
  @Column({ type: 'varchar', length: 16 }) status: PaymentLinkStatus;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'varchar', length: 1024 }) description: string;
  @Column({ name: 'single_use', type: 'boolean' }) singleUse: boolean;
  @Column({ name: 'collect_shipping', type: 'boolean' }) collectShipping: boolean;
  /** null: the payer chooses the amount */
  @Column({ name: 'amount_in_cents', type: 'bigint', nullable: true, transformer: bigintAsNumber }) amountInCents:
    number | null;
  @Column({ type: 'char', length: 3, default: 'COP' }) currency: string;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @Column({ name: 'redirect_url', type: 'text', nullable: true }) redirectUrl: string | null;
  @Column({ type: 'varchar', length: 36, nullable: true }) sku: string | null;
  /** copied onto every payment made through the link, so consumers get it in events */
  @Column({ type: 'jsonb', default: () => `'{}'` }) metadata: Record<string, unknown>;
  @Column({ name: 'deactivated_at', type: 'timestamptz', nullable: true }) deactivatedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
