import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { PaymentSourceEntity } from '../../payment-sources/payment-source.entity';
import { PaymentEntity } from './payment.entity';

/**
 * Habeas Data evidence: which policies the buyer was shown and accepted, by whom, when — for
 * a payment or for a payment source (exactly one of the two).
 */
@Entity({ name: 'consents' })
@Index('ix_consents_payment', ['paymentId'])
@Index('ix_consents_payment_source', ['paymentSourceId'])
@Check('ck_consents_subject', `num_nonnulls(payment_id, payment_source_id) = 1`)
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ForeignKey(() => PaymentEntity, { name: 'fk_consents_payment', onDelete: 'CASCADE' })
  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;
  @ForeignKey(() => PaymentSourceEntity, { name: 'fk_consents_payment_source', onDelete: 'CASCADE' })
  @Column({ name: 'payment_source_id', type: 'uuid', nullable: true })
  paymentSourceId: string | null;
  @Column({ type: 'varchar', length: 64 }) caller: string;
  @Column({ name: 'acceptance_permalink', type: 'text', nullable: true }) acceptancePermalink: string | null;
  @Column({ name: 'personal_data_permalink', type: 'text', nullable: true }) personalDataPermalink: string | null;
  /** the tokens themselves are single-use bearer values: keep only their hashes */
  @Column({ name: 'acceptance_token_sha256', type: 'char', length: 64 }) acceptanceTokenSha256: string;
  @Column({ name: 'personal_data_token_sha256', type: 'char', length: 64, nullable: true }) personalDataTokenSha256:
    string | null;
  @Column({ name: 'accepted_at', type: 'timestamptz', default: () => 'now()' }) acceptedAt: Date;
}
