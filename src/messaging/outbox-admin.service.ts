import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, NotFound, ValidationFailed } from '../common/errors/domain-error';
import { isBigintId } from '../common/http/validators';
import { OutboxEventView, OutboxListStatus, OutboxPage } from './dto/outbox.dto';
import { OutboxEntity } from './outbox.entity';
import { OutboxSignal } from './outbox-signal';

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // within bigint, or Postgres answers the comparison with an error (a 500)
  if (!isBigintId(id))
    throw new ValidationFailed({ cursor: ['cursor must be a next_cursor returned by this endpoint'] });
  return id;
}

function toView(r: OutboxEntity): OutboxEventView {
  return {
    id: String(r.id),
    event_id: r.eventId,
    type: r.eventType,
    payment_id: r.aggregateId,
    subject: typeof r.payload?.subject === 'string' ? r.payload.subject : '',
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: new Date(r.nextAttemptAt).toISOString(),
    last_error: r.lastError,
    created_at: new Date(r.createdAt).toISOString(),
    sent_at: r.sentAt ? new Date(r.sentAt).toISOString() : null,
  };
}

/** Operators' view of the outbox: list rows by status, and put a DEAD row back in line. */
@Injectable()
export class OutboxAdminService {
  private readonly logger = new Logger('OutboxAdmin');

  constructor(
    private readonly dataSource: DataSource,
    private readonly signal: OutboxSignal,
  ) {}

  /** Dead and pending rows oldest first (the order they block in); sent rows newest first. */
  async list(status: OutboxListStatus, limit = 50, cursor?: string): Promise<OutboxPage> {
    const desc = status === 'SENT';
    const qb = this.dataSource
      .getRepository(OutboxEntity)
      .createQueryBuilder('o')
      .where('o.status = :status', { status })
      .orderBy('o.id', desc ? 'DESC' : 'ASC')
      .limit(limit + 1);
    if (cursor) qb.andWhere(desc ? 'o.id < :after' : 'o.id > :after', { after: decodeCursor(cursor) });
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    return {
      data: page.map(toView),
      next_cursor: rows.length > limit ? encodeCursor(String(page[page.length - 1].id)) : null,
    };
  }

  /** DEAD → PENDING with attempts reset; 404 unknown, 409 when the row is not DEAD. */
  async retry(id: string, caller: string): Promise<OutboxEventView> {
    if (!isBigintId(id))
      throw new ValidationFailed({
        id: ['id must be a positive integer id (digits only, at most 9223372036854775807)'],
      });
    const repo = this.dataSource.getRepository(OutboxEntity);
    const result = await repo
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ status: 'PENDING', attempts: 0, nextAttemptAt: () => 'now()', lastError: null })
      .where('id = :id and status = :dead', { id, dead: 'DEAD' })
      .returning('*')
      .execute();
    if (!result.affected) {
      const row = await repo.findOne({ where: { id } });
      if (!row) throw new NotFound('Outbox event');
      throw new DomainError(
        'INVALID_STATE',
        `Outbox event ${id} is ${row.status}; only DEAD events can be retried`,
        undefined,
        { current_status: row.status },
      );
    }
    const row = await repo.findOneOrFail({ where: { id } });
    this.logger.warn(
      { outbox_id: id, event_id: row.eventId, type: row.eventType, payment_id: row.aggregateId, caller },
      'DEAD outbox event put back in line by an operator',
    );
    this.signal.nudge();
    return toView(row);
  }
}
