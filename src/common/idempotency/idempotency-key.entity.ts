import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One Idempotency-Key per caller: the request's hash and, once done, the stored response. */
@Entity({ name: 'idempotency_keys' })
@Check('ck_idempotency_keys_state', `state in ('IN_FLIGHT','COMPLETED')`)
@Index('ix_idempotency_keys_expires', ['expiresAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) caller: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) key: string;
  @Column({ name: 'request_hash', type: 'char', length: 64 }) requestHash: string;
  @Column({ type: 'varchar', length: 8 }) method: string;
  @Column({ type: 'varchar', length: 255 }) path: string;
  @Column({ type: 'varchar', length: 16 }) state: 'IN_FLIGHT' | 'COMPLETED';
  @Column({ name: 'response_status', type: 'integer', nullable: true }) responseStatus: number | null;
  /** json, not jsonb: replays must keep the first response's bytes (key order) */
  @Column({ name: 'response_body', type: 'json', nullable: true }) responseBody: unknown;
  @Column({ name: 'resource_id', type: 'uuid', nullable: true }) resourceId: string | null;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
}
