import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
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
 * The fulfilment and, only when it is new ($5, $7, $12 switch each part on): the superseding of
 * held failures, the payment's buyer-retry horizon and the outbox row (held until $8 when set).
 * A data-modifying CTE runs once whether or not it is read.
 *
 * Superseding: a held failure never claimed by the relay (attempts = 0) cannot have reached the
 * broker. Row locks order this against the relay's claim (SKIP LOCKED there, a re-checked
 * predicate here), so a row is either superseded or published, never both.
 */
/** The fulfilment CTE and, only when it is new, the superseding of held failures (see FULFIL_SQL). */
const FULFIL_INSERT_SUPERSEDE = `f as (
    insert into fulfilments (payment_id, status, wompi_transaction_id, inbox_event_id)
    values ($1, $2, $3, $4)
    on conflict do nothing
    returning id
  ), s as (
    update outbox
       set status = 'SUPERSEDED', last_error = 'superseded by transaction.approved within the buyer-retry window'
     where $5::boolean and exists (select 1 from f)
       and aggregate_id = $1 and status = 'PENDING' and attempts = 0 and event_type = any($6::text[])
    returning id::text as id, event_id as "eventId", event_type as "eventType"
  )`;

/** The outbox row, only when the fulfilment is new (see FULFIL_SQL). */
const FULFIL_OUTBOX = `o as (
    insert into outbox (event_id, aggregate_id, event_type, routing_key, payload, status, next_attempt_at)
    select $9::uuid, $1, $10::text, $10::text, $11::jsonb, 'PENDING', coalesce($8::timestamptz, now())
     where $12::boolean and exists (select 1 from f)
    on conflict do nothing
    returning id
  )`;

const FULFIL_RESULT = `exists (select 1 from f) as fulfilled,
         coalesce((select json_agg(s) from s), '[]'::json) as superseded`;

const FULFIL_SQL = `
  with ${FULFIL_INSERT_SUPERSEDE}, r as (
    update payments set retryable_until = $8::timestamptz, updated_at = CURRENT_TIMESTAMP
     where $7::boolean and exists (select 1 from f) and id = $1
    returning id
  ), ${FULFIL_OUTBOX}
  select ${FULFIL_RESULT}`;

/**
 * FULFIL_SQL as parts of a caller's statement that also updates the payment row (one statement
 * cannot update a row twice): the caller's payment UPDATE sets `retryable_until` to
 * {@link FULFIL_PARTS.retryableUntil} instead of the `r` part. Parameters $1–$12 are the fulfilment's.
 */
export const FULFIL_PARTS = {
  ctes: [FULFIL_INSERT_SUPERSEDE, FULFIL_OUTBOX],
  /** the new `retryable_until` of the payment (unchanged unless the fulfilment is new and $7 is set) */
  retryableUntil: `case when $7::boolean and exists (select 1 from f) then $8::timestamptz else retryable_until end`,
  result: FULFIL_RESULT,
  params: 12,
} as const;

/** A fulfilment ready to write: its statement's parameters and what to do once it ran. */
export interface PreparedFulfilment {
  params: unknown[];
  finish(row: FulfilRow | undefined): string[];
}

export interface FulfilRow {
  fulfilled: boolean;
  superseded: { id: string; eventId: string; eventType: string }[];
}

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

  /**
   * Writes the fulfilment (unique per payment and state) and its event; [] when this state was
   * fulfilled before. One statement: the fulfilment row, and only if it was new, the superseding
   * of held failures (an APPROVED), the payment's buyer-retry horizon and the outbox row.
   */
  async fulfil(
    m: EntityManager,
    payment: PaymentEntity,
    attempts: PaymentAttemptEntity[],
    inboxEventId?: string,
  ): Promise<string[]> {
    const prepared = this.prepare(payment, attempts, inboxEventId);
    if (!prepared) return [];
    const [row] = (await m.query(FULFIL_SQL, prepared.params)) as FulfilRow[];
    return prepared.finish(row);
  }

  /**
   * What `fulfil` writes, for a caller that writes it within its own statement (FULFIL_PARTS,
   * parameters $1–$12 = `params`) and then hands the statement's row to `finish`; undefined
   * when the status is not final (nothing to write). The payment must stand as it will once
   * the statement ran (its `updatedAt` too): the event announces it.
   */
  prepare(
    payment: PaymentEntity,
    attempts: PaymentAttemptEntity[],
    inboxEventId?: string,
  ): PreparedFulfilment | undefined {
    const status = payment.status;
    if (!FINAL_STATUSES.includes(status)) return undefined;
    const type = eventTypeFor(payment, attempts);
    const held = (status === 'DECLINED' || status === 'ERROR') && isBuyerRetryable(payment) && this.windowMs > 0;
    const retryableUntil = held ? new Date(Date.now() + this.windowMs) : null;
    const setRetryable = !!type && (retryableUntil !== null || !!payment.retryableUntil);
    const previousRetryable = payment.retryableUntil;
    // the event announces the payment as it stands once this commits
    if (setRetryable) payment.retryableUntil = retryableUntil;
    const event = type
      ? this.outbox.cloudEvent({
          type,
          aggregateId: payment.id,
          // the caller's own reference (the CloudEvent subject is the payment reference); data.wompi_reference is Wompi's
          subject: payment.reference,
          dedupeKey: `${payment.id}:${status}`,
          data: toTransactionView(payment, attempts) as unknown as Record<string, unknown>,
        })
      : undefined;
    const params = [
      payment.id,
      status,
      payment.wompiTransactionId,
      inboxEventId ?? null,
      !!type && status === 'APPROVED',
      FAILURE_TYPES,
      setRetryable,
      retryableUntil,
      event?.id ?? null,
      type ?? null,
      event ? JSON.stringify(event.payload) : null,
      !!event,
    ];
    const finish = (row: FulfilRow | undefined): string[] => {
      if (!row?.fulfilled) {
        payment.retryableUntil = previousRetryable;
        return []; // this state was fulfilled before: nothing more
      }
      this.metrics.fulfilments.inc({ status });
      for (const r of row.superseded) {
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
      return event ? [event.id] : [];
    };
    return { params, finish };
  }
}
