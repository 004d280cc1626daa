import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/transformers';

export const PAYMENT_SOURCE_TYPES = ['CARD', 'NEQUI', 'DAVIPLATA', 'BANCOLOMBIA_TRANSFER'] as const;
export type PaymentSourceType = (typeof PAYMENT_SOURCE_TYPES)[number];

/**
 * Our own statuses around Wompi's: CREATING while the create runs (the row is the intent),
 * UNKNOWN when Wompi's answer was lost (Wompi has no search for sources, so it stays so until
 * its owner charges the source's Wompi id and Wompi's copy provably matches: then it is adopted).
 * After that, Wompi's status (AVAILABLE, PENDING, VOIDED). No check constraint on the column:
 * a status Wompi adds later must not turn a source it created into a 500 here.
 */
export type PaymentSourceStatus = 'CREATING' | 'UNKNOWN' | string;

/**
 * A Wompi payment source created through this service, owned by one caller. Buyer data beyond
 * the email (phone numbers, account digits: Wompi's `public_data`) is not kept: reads fetch it.
 * Only sources on record here can be charged (`PaymentSourceOwnership`).
 */
@Entity({ name: 'payment_sources' })
@Unique('uq_payment_sources_caller_key', ['caller', 'idempotencyKey'])
@Unique('uq_payment_sources_wompi_id', ['wompiPaymentSourceId'])
@Check('ck_payment_sources_type', `type in ('CARD','NEQUI','DAVIPLATA','BANCOLOMBIA_TRANSFER')`)
export class PaymentSourceEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 64 }) caller: string;
  /** a retry that outlives its idempotency record still finds this row, never a second source */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 }) idempotencyKey: string;
  @Column({ name: 'wompi_payment_source_id', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  wompiPaymentSourceId: number | null;
  @Column({ type: 'varchar', length: 32 }) type: PaymentSourceType;
  @Column({ type: 'varchar', length: 16 }) status: PaymentSourceStatus;
  @Column({ name: 'customer_email', type: 'varchar', length: 320 }) customerEmail: string;
  /**
   * SHA-256 (hex) of the token it was created from, never the token: the proof that lets an
   * UNKNOWN row adopt the source Wompi made for it (see PaymentSourceOwnership). Null on rows
   * made before it was kept.
   */
  @Column({ name: 'token_sha256', type: 'varchar', length: 64, nullable: true }) tokenSha256: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
