import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { FulfilmentEntity } from '../fulfilment/fulfilment.entity';
import { Metrics } from '../metrics/metrics';
import { OutboxWriter } from '../messaging/outbox-writer';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { PaymentEntity } from './entities/payment.entity';
import { FINAL_STATUSES, PaymentStatus } from './payment-status';
import { toTransactionView } from './transaction.view';

/** Event types by final status; each state change yields its event once per state. */
export const EVENT_TYPE_BY_STATUS: Partial<Record<PaymentStatus, string>> = {
  APPROVED: 'transaction.approved',
  DECLINED: 'transaction.declined',
  VOIDED: 'transaction.voided',
  ERROR: 'transaction.error',
  EXPIRED: 'transaction.expired',
};

/** A checkout session that ended without the buyer ever starting a Wompi transaction. */
export const CHECKOUT_SESSION_EXPIRED = 'checkout_session.expired';

/**
 * Payments whose buyer can try again under the same reference (Wompi's Widget / Web Checkout
 * "reintento", docs/wompi.md#reading-and-searching-transactions, #amounts-references-and-redirects), so a failure is not final until the window passes.
 * Direct API payments (TRANSACTION) have no buyer retry.
 */
export const BUYER_RETRYABLE_KINDS: readonly string[] = ['CHECKOUT', 'PAYMENT_LINK'];

const FAILURE_TYPES = [EVENT_TYPE_BY_STATUS.DECLINED!, EVENT_TYPE_BY_STATUS.ERROR!];

/**
 * A held failure that was never claimed by the relay (attempts = 0) cannot have reached the
 * broker: it is superseded. Row locks order this against the relay's claim (SKIP LOCKED there,
 * a re-checked predicate here), so a row is either superseded or published, never both.
 */
const SUPERSEDE_SQL = `
  update outbox set status = 'SUPERSEDED', last_error = 'superseded by transaction.approved within the buyer-retry window'
   where aggregate_id = $1 and status = 'PENDING' and attempts = 0 and event_type = any($2::text[])
  returning id::text as id, event_id as "eventId", event_type as "eventType"`;

export function isBuyerRetryable(p: Pick<PaymentEntity, 'kind'>): boolean {
  return BUYER_RETRYABLE_KINDS.includes(p.kind);
}

/** The event a final payment status announces. */
export function eventTypeFor(
  p: Pick<PaymentEntity, 'kind' | 'status'>,
  attempts: readonly Pick<PaymentAttemptEntity, 'wompiTransactionId'>[],
): string | undefined {
  if (p.status === 'EXPIRED' && p.kind === 'CHECKOUT' && !attempts.some((a) => a.wompiTransactionId))
    return CHECKOUT_SESSION_EXPIRED;
  return EVENT_TYPE_BY_STATUS[p.status];
}

/**
 * Fulfilment and the outbox event of a payment's final status, inside the caller's transaction
 * (the caller holds the payment row lock). A buyer-retryable DECLINED/ERROR is written held
 * (`next_attempt_at` = now + BUYER_RETRY_WINDOW_S): it lives in Postgres, so a worker restart
 * changes nothing, and the relay publishes it when due. An APPROVED supersedes a held failure
 * not yet claimed, so consumers see only `transaction.approved`.
 */
@Injectable()
export class PaymentEvents {
  private readonly logger = new Logger('PaymentEvents');
  private readonly windowMs: number;

  constructor(
    private readonly outbox: OutboxWriter,
    private readonly metrics: Metrics,
    config: AppConfig,
  ) {
    this.windowMs = config.horizons.buyerRetryWindowS * 1000;
  }

  /** Writes the fulfilment (unique per payment and state) and its event; [] when this state was fulfilled before. */
  async fulfil(
    m: EntityManager,
    payment: PaymentEntity,
    attempts: PaymentAttemptEntity[],
    inboxEventId?: string,
  ): Promise<string[]> {
    const status = payment.status;
    if (!FINAL_STATUSES.includes(status)) return [];
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(FulfilmentEntity)
      .values({
        paymentId: payment.id,
        status: status as FulfilmentEntity['status'],
        wompiTransactionId: payment.wompiTransactionId,
        inboxEventId: inboxEventId ?? null,
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    if (!inserted.raw?.length) return []; // this state was fulfilled before: nothing more
    this.metrics.fulfilments.inc({ status });
    const type = eventTypeFor(payment, attempts);
    if (!type) return [];

    if (status === 'APPROVED') await this.supersedeHeld(m, payment);
    const held = (status === 'DECLINED' || status === 'ERROR') && isBuyerRetryable(payment) && this.windowMs > 0;
    const retryableUntil = held ? new Date(Date.now() + this.windowMs) : null;
    if (retryableUntil || payment.retryableUntil) {
      payment.retryableUntil = retryableUntil;
      await m.getRepository(PaymentEntity).update({ id: payment.id }, { retryableUntil });
    }
    const id = await this.outbox.write(m, {
      type,
      aggregateId: payment.id,
      // the caller's own reference (the CloudEvent subject is the payment reference); data.wompi_reference is Wompi's
      subject: payment.reference,
      dedupeKey: `${payment.id}:${status}`,
      data: toTransactionView(payment, attempts) as unknown as Record<string, unknown>,
      notBefore: retryableUntil ?? undefined,
    });
    return [id];
  }

  private async supersedeHeld(m: EntityManager, payment: PaymentEntity): Promise<void> {
    const result: unknown = await m.query(SUPERSEDE_SQL, [payment.id, FAILURE_TYPES]);
    // an UPDATE … RETURNING answers with [rows, count]
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as {
      id: string;
      eventId: string;
      eventType: string;
    }[];
    for (const r of rows) {
      this.logger.log(
        {
          payment_id: payment.id,
          outbox_id: r.id,
          event_id: r.eventId,
          type: r.eventType,
          wompi_transaction_id: payment.wompiTransactionId,
        },
        'a buyer retry was approved within the window: the held failure event is superseded, never published',
      );
    }
  }
}
