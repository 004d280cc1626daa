import { Injectable } from '@nestjs/common';
import { DomainError, NotFound } from '../common/errors/domain-error';
import { InboxDispatcher, inboxJobId } from './inbox-dispatcher';
import { decodeCursor, InboxRowView, InboxStore, isUuid, ListPage } from './inbox.store';
import { InboxStatus } from './webhook-inbox.entity';

/** Operators' view of the inbox: list rows, replay one. */
@Injectable()
export class WebhookEventsService {
  constructor(
    private readonly store: InboxStore,
    private readonly dispatcher: InboxDispatcher,
  ) {}

  async list(q: { status?: InboxStatus; limit: number; cursor?: string }): Promise<ListPage> {
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !after)
      throw new DomainError('VALIDATION_FAILED', 'The cursor is not one this service issued', {
        cursor: ['cursor is invalid'],
      });
    return this.store.list({ status: q.status, limit: q.limit, after });
  }

  /** Back to RECEIVED and a fresh job; the processor applies it idempotently. Answers the row as reset (the processor may already be at it). */
  async replay(id: string, nowMs = Date.now()): Promise<{ event: InboxRowView; enqueued: boolean }> {
    const row = isUuid(id) ? await this.store.resetForReplay(id) : undefined;
    if (!row) throw new NotFound(`Webhook event ${id}`);
    const enqueued = await this.dispatcher.enqueue(row.id, inboxJobId.replay(row.id, nowMs));
    if (!enqueued) return { event: row, enqueued };
    const at = await this.store.markEnqueued(row.id);
    return { event: { ...row, enqueued_at: at?.toISOString() ?? null }, enqueued };
  }
}
