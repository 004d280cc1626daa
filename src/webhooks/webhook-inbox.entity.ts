import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * RECEIVED → PROCESSED | IGNORED | DEAD (settled), or FAILED while its job retries, or
 * UNCONFIRMED: a signed final status Wompi did not confirm within the job's retries (its own
 * view still an earlier step); not settled — the sweeper and redeliveries retry it.
 */
export type InboxStatus = 'RECEIVED' | 'PROCESSED' | 'IGNORED' | 'FAILED' | 'DEAD' | 'UNCONFIRMED';

/** A verified Wompi event, stored before it is acknowledged. Redeliveries collapse on event_key. */
@Entity({ name: 'webhook_inbox' })
@Unique('uq_webhook_inbox_event_key', ['eventKey'])
@Check('ck_webhook_inbox_status', `status in ('RECEIVED','PROCESSED','IGNORED','FAILED','DEAD','UNCONFIRMED')`)
@Index('ix_webhook_inbox_status_received', ['status', 'receivedAt'])
@Index('ix_webhook_inbox_unenqueued', ['receivedAt'], {
  where: `enqueued_at is null and status in ('RECEIVED', 'FAILED', 'UNCONFIRMED')`,
})
export class WebhookInboxEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'event_key', type: 'varchar', length: 200 }) eventKey: string;
  @Column({ name: 'event_type', type: 'varchar', length: 64 }) eventType: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) environment: string | null;
  @Column({ type: 'varchar', length: 128 }) checksum: string;
  @Column({ name: 'signed_timestamp', type: 'bigint' }) signedTimestamp: string;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
  @Column({ name: 'raw_body', type: 'text' }) rawBody: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'varchar', length: 16, default: 'RECEIVED' }) status: InboxStatus;
  @Column({ name: 'delivery_count', type: 'integer', default: 1 }) deliveryCount: number;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' }) receivedAt: Date;
  @Column({ name: 'last_received_at', type: 'timestamptz', default: () => 'now()' }) lastReceivedAt: Date;
  @Column({ name: 'enqueued_at', type: 'timestamptz', nullable: true }) enqueuedAt: Date | null;
  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true }) processedAt: Date | null;
  /** the delivery's W3C trace context (traceparent/tracestate), carried to the worker's enqueue; null when tracing is off */
  @Column({ name: 'trace_context', type: 'jsonb', nullable: true }) traceContext: Record<string, string> | null;
  /** when retention minimised raw_body and payload (buyer data removed, checksum fields kept) */
  @Column({ name: 'scrubbed_at', type: 'timestamptz', nullable: true }) scrubbedAt: Date | null;
}
