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
import { PaymentLinkEntity } from '../../payment-links/payment-link.entity';
import { PaymentStatus } from '../payment-status';

/**
 * TRANSACTION and CHECKOUT are created by callers; PAYMENT_LINK comes from a Wompi transaction
 * paying one of our payment links (its owner's); EXTERNAL is an unknown-reference transaction
 * claimed by EXTERNAL_PAYMENTS_OWNER.
 */
export type PaymentKind = 'TRANSACTION' | 'CHECKOUT' | 'PAYMENT_LINK' | 'EXTERNAL';
/** Why a link payment needs a look: the link had expired or was deactivated when the buyer paid. */
export type PaymentLinkFlag = 'EXPIRED' | 'DEACTIVATED';

/**
 * Our payment: one reference, one amount; Wompi transactions are its attempts. `reference` is
 * the caller's (unique per caller); `wompiReference` is the one Wompi knows (unique overall,
 * see wompiReferenceFor).
 * Constraints and indexes are declared as the migrations create them (every entity does), so
 * `migration:generate` finds no drift instead of dropping them.
 */
@Entity({ name: 'payments' })
@Unique('uq_payments_caller_reference', ['caller', 'reference'])
@Unique('uq_payments_wompi_reference', ['wompiReference'])
@Check('ck_payments_status', `status in ('PENDING','UNKNOWN','APPROVED','DECLINED','ERROR','VOIDED','EXPIRED')`)
@Check('ck_payments_kind', `kind in ('TRANSACTION','CHECKOUT','PAYMENT_LINK','EXTERNAL')`)
@Check('ck_payments_payment_link_flag', `payment_link_flag in ('EXPIRED','DEACTIVATED')`)
@Check('ck_payments_amount', `amount_in_cents > 0`)
@Check('ck_payments_currency', `currency = 'COP'`)
@Index('ix_payments_status_created', ['status', 'createdAt'])
@Index('ix_payments_caller_created', ['caller', 'createdAt', 'id'])
@Index('ix_payments_created_id', ['createdAt', 'id'])
// an expression index (coalesce(next_poll_at, updated_at), partial): declared by its migration only
@Index('ix_payments_stale_poll', { synchronize: false })
@Index('ix_payments_payment_link', ['paymentLinkId'])
@Index('ix_payments_unpaid_sessions', ['createdAt'], {
  where: `status = 'PENDING' and wompi_transaction_id is null and kind = 'CHECKOUT'`,
})
export class PaymentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 64 }) reference: string;
  @Column({ name: 'wompi_reference', type: 'varchar', length: 64 }) wompiReference: string;
  @Column({ type: 'varchar', length: 64 }) caller: string;
  @Column({ type: 'varchar', length: 16, default: 'TRANSACTION' }) kind: PaymentKind;
  @Column({ type: 'varchar', length: 16 }) status: PaymentStatus;
  @Column({ name: 'amount_in_cents', type: 'bigint', transformer: bigintAsNumber }) amountInCents: number;
  @Column({ type: 'char', length: 3, default: 'COP' }) currency: string;
  @Column({ name: 'payment_method_type', type: 'varchar', length: 32, nullable: true }) paymentMethodType:
    string | null;
  @Column({ name: 'wompi_transaction_id', type: 'varchar', length: 64, nullable: true }) wompiTransactionId:
    string | null;
  @Column({ name: 'customer_email', type: 'varchar', length: 320, nullable: true }) customerEmail: string | null;
  @Column({ name: 'redirect_url', type: 'text', nullable: true }) redirectUrl: string | null;
  @Column({ name: 'expiration_time', type: 'timestamptz', nullable: true }) expirationTime: Date | null;
  @Column({ name: 'status_message', type: 'text', nullable: true }) statusMessage: string | null;
  /** what the buyer needs next: async_payment_url, QR data, etc. */
  @Column({ name: 'next_action', type: 'jsonb', nullable: true }) nextAction: Record<string, unknown> | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) metadata: Record<string, unknown>;
  /** our payment link this payment came from (kind PAYMENT_LINK) */
  @ForeignKey(() => PaymentLinkEntity, { name: 'fk_payments_payment_link', onDelete: 'RESTRICT' })
  @Column({ name: 'payment_link_id', type: 'uuid', nullable: true })
  paymentLinkId: string | null;
  @Column({ name: 'payment_link_flag', type: 'varchar', length: 16, nullable: true })
  paymentLinkFlag: PaymentLinkFlag | null;
  @Column({ type: 'integer', default: 1 }) version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'finalized_at', type: 'timestamptz', nullable: true }) finalizedAt: Date | null;
  /** the stale-payment poller's claim and back-off: not polled again before this */
  @Column({ name: 'next_poll_at', type: 'timestamptz', nullable: true }) nextPollAt: Date | null;
  @Column({ name: 'poll_attempts', type: 'integer', default: 0 }) pollAttempts: number;
  /** a failed buyer-retryable payment: its failure event is held until then (docs/buyer-retry-and-horizons.md) */
  @Column({ name: 'retryable_until', type: 'timestamptz', nullable: true }) retryableUntil: Date | null;
}
