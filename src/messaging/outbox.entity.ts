import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** SUPERSEDED: a held event (buyer-retry window) an approval overtook before it was ever claimed; never published */
export type OutboxStatus = 'PENDING' | 'SENT' | 'DEAD' | 'SUPERSEDED';

/** A domain event written in the same transaction as the change it announces. */
@Entity({ name: 'outbox' })
@Unique('uq_outbox_event_id', ['eventId'])
@Check('ck_outbox_status', `status in ('PENDING','SENT','DEAD','SUPERSEDED')`)
@Index('ix_outbox_pending', ['nextAttemptAt', 'id'], { where: `status = 'PENDING'` })
@Index('ix_outbox_aggregate', ['aggregateId', 'id'])
@Index('ix_outbox_dead', ['id'], { where: `status = 'DEAD'` })
export class OutboxEntity {
  /** bigserial: publication order */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  /** the CloudEvent id: stable across redeliveries */
  @Column({ name: 'event_id', type: 'uuid' }) eventId: string;
  /** the payment id: events of one aggregate are published in id order */
  @Column({ name: 'aggregate_id', type: 'uuid' }) aggregateId: string;
  @Column({ name: 'event_type', type: 'varchar', length: 64 }) eventType: string;
  @Column({ name: 'routing_key', type: 'varchar', length: 128 }) routingKey: string;
  /** the whole CloudEvent, structured JSON */
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'varchar', length: 16, default: 'PENDING' }) status: OutboxStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt: Date;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
}
