import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { eventCarrier } from '../tracing/trace-context';
import { OutboxEntity } from './outbox.entity';

export interface DomainEventInput {
  /** e.g. `transaction.approved`; also the routing key */
  type: string;
  /** the payment id: ordering is per aggregate */
  aggregateId: string;
  /** CloudEvent subject: the payment reference */
  subject: string;
  data: Record<string, unknown>;
  /** what makes this event unique (e.g. `${paymentId}:APPROVED`): the CloudEvent id derives from it */
  dedupeKey: string;
  /** held: the relay publishes it no earlier than this (a buyer-retryable failure); default now */
  notBefore?: Date;
}

/** A UUID (v5-shaped) derived from a key, so one logical event always has one id. */
export function stableEventId(key: string): string {
  const h = createHash('sha256').update(`payments-service:${key}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Writes a CloudEvents 1.0 event into the outbox inside the caller's transaction, so the
 * event exists if and only if the change it announces was committed. The event carries the
 * active trace context (`traceparent`/`tracestate`) of the write, not of the later publish.
 */
@Injectable()
export class OutboxWriter {
  constructor(private readonly config: AppConfig) {}

  async write(manager: EntityManager, e: DomainEventInput): Promise<string> {
    const { id, payload: cloudEvent } = this.cloudEvent(e);
    await manager
      .createQueryBuilder()
      .insert()
      .into(OutboxEntity)
      .values({
        eventId: id,
        aggregateId: e.aggregateId,
        eventType: e.type,
        routingKey: e.type,
        payload: cloudEvent,
        status: 'PENDING',
        ...(e.notBefore ? { nextAttemptAt: e.notBefore } : {}),
      })
      .orIgnore()
      .execute();
    return id;
  }

  /**
   * The CloudEvent an outbox row carries (id derived from the dedupe key), for a caller that
   * inserts the row itself within a larger statement of its own transaction.
   */
  cloudEvent(e: DomainEventInput) {
    const id = stableEventId(e.dedupeKey);
    const cloudEvent = {
      specversion: '1.0',
      id,
      source: this.config.eventSource,
      type: e.type,
      subject: e.subject,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      // CloudEvents distributed-tracing extension: the trace of the change this event announces
      // (consumers continue it); a fresh unsampled root when tracing is off
      ...eventCarrier(),
      data: e.data,
    };
    return { id, payload: cloudEvent };
  }
}
