import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { OutboxSignal } from '../messaging/outbox-signal';
import { ApplyOutcome, FoldedWrite, PaymentStateService } from '../transactions/payment-state.service';
import { PAYMENT_COLUMNS, columnsOf, paymentFromRow } from '../transactions/entities/rows';
import { canAttemptTransition, isFinal } from '../transactions/state-machine';
import { WebhookInboxEntity, InboxStatus } from '../webhooks/webhook-inbox.entity';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { WompiTransaction } from '../wompi/wompi.types';
import { InboxWork, parseInboxEvent } from './inbox-event';
import { Metrics } from '../metrics/metrics';
import { recordApplied } from '../metrics/payment-metrics';
import { inSpan } from '../tracing/trace-context';

/** Inbox states no job has anything more to do for (a replay resets the row first). */
export const DONE_INBOX_STATUSES: readonly InboxStatus[] = ['PROCESSED', 'IGNORED', 'DEAD'];

/** Rows a failed attempt may still update (a settled row is never touched again). */
export const OPEN_INBOX_STATUSES: readonly InboxStatus[] = ['RECEIVED', 'FAILED', 'UNCONFIRMED'];

export type InboxOutcome = ApplyOutcome | 'already_done' | 'no_op' | 'unsupported';

export interface InboxResult {
  outcome: InboxOutcome;
  inboxStatus?: InboxStatus;
  paymentId?: string;
  /** the payment's method (metrics label) */
  paymentMethod?: string | null;
  eventIds: string[];
}

/** The inbox row has vanished (or never existed): nothing to retry. */
export class InboxRowMissing extends Error {
  constructor(id: string) {
    super(`webhook inbox row ${id} does not exist`);
    this.name = 'InboxRowMissing';
  }
}

/**
 * Wompi does not (yet) show the final status a signed event reports: its own view is an
 * earlier step of the same lifecycle (PENDING for an APPROVED/DECLINED/ERROR event, APPROVED
 * for a VOIDED one). Retryable: the job retries with its backoff, then the row is parked
 * UNCONFIRMED for the sweeper. Never applied, never settled as PROCESSED.
 */
export class UnconfirmedByWompi extends Error {
  constructor(
    readonly wompiTransactionId: string,
    readonly eventStatus: string,
    readonly wompiStatus: string,
  ) {
    super(
      `unconfirmed: the event reports ${eventStatus} but Wompi still reports ${wompiStatus} for transaction ${wompiTransactionId}`,
    );
    this.name = 'UnconfirmedByWompi';
  }
}

const READ_INBOX_SQL = `
  select status, event_type as "eventType", payload, received_at as "receivedAt" from webhook_inbox where id = $1`;

const LOCK_INBOX_SQL = `select status from webhook_inbox where id = $1 for update`;

/**
 * Settles the row. `enqueued_at` is kept, or set now when empty: a job ran, so the row was
 * handed to the queue — an enqueue the relay gave up on (and unclaimed) during a Redis outage
 * may still reach Redis once it is back (ioredis sends what it queued while disconnected).
 */
const MARK_INBOX = (n: number) =>
  `update webhook_inbox set status = $${n + 2}, last_error = $${n + 3}, attempts = attempts + 1, processed_at = now(),
          enqueued_at = coalesce(enqueued_at, now()) where id = $${n + 1}`;

const MARK_INBOX_SQL = MARK_INBOX(0);

/**
 * A transaction report's locks in one statement, in the usual order: the inbox row ($1), then —
 * only while the row is still open ($3, the done statuses) — the payment its reference ($2)
 * names, with the transaction's start time (what updated_at becomes). The lateral join runs the
 * payment's lock for the inbox row it has locked, so the inbox lock is always taken first.
 * No payment row (no payment of ours has this reference): its columns are null.
 */
const LOCK_INBOX_AND_PAYMENT_SQL = `
  select i.status as inbox_status, p.*
    from (select status from webhook_inbox where id = $1 for update) i
    left join lateral (
      select ${columnsOf(PAYMENT_COLUMNS, 'pay')}, current_timestamp as tx_started_at
        from payments pay
       where pay.wompi_reference = $2 and i.status <> all($3::text[])
         for update
    ) p on true`;

/** How each outcome of applying a report is recorded on its inbox row. */
export function inboxStatusFor(
  outcome: ApplyOutcome,
  tx: Pick<WompiTransaction, 'id' | 'reference' | 'status'>,
): { status: InboxStatus; lastError: string | null } {
  switch (outcome) {
    case 'changed':
    case 'unchanged':
    case 'stale':
      return { status: 'PROCESSED', lastError: null };
    case 'unknown_payment':
      return { status: 'IGNORED', lastError: `unknown_payment: no payment of ours has reference ${tx.reference}` };
    case 'external':
      // recorded in external_transactions and announced (transaction.external): handled, not ignored
      return { status: 'PROCESSED', lastError: null };
    case 'mismatch':
      // refused and recorded as an anomaly; retrying cannot make the amounts agree
      return {
        status: 'DEAD',
        lastError: `mismatch: Wompi transaction ${tx.id} disagrees with our payment on amount, currency or reference (see payment_anomalies)`,
      };
    case 'contradiction':
      // refused and recorded as an anomaly; an operator settles it with Wompi
      return {
        status: 'DEAD',
        lastError: `contradiction: Wompi reports ${tx.status} for transaction ${tx.id}, contradicting the final status we recorded (see payment_anomalies)`,
      };
  }
}

/**
 * Applies one stored Wompi event: (optionally) confirm an APPROVED with Wompi first, then in
 * ONE short transaction lock the inbox row, re-check it, apply the report through the
 * payment state machine (payment row lock, guard, history, fulfilment, outbox event) and
 * mark the row. Commit or nothing: a second run, or a racing worker, finds the row done.
 */
@Injectable()
export class ApplyInboxEvent {
  private readonly logger = new Logger('Fulfilment');

  constructor(
    private readonly dataSource: DataSource,
    private readonly state: PaymentStateService,
    private readonly gateway: WompiGateway,
    private readonly config: AppConfig,
    private readonly signal: OutboxSignal,
    private readonly metrics: Metrics,
  ) {}

  async execute(inboxId: string): Promise<InboxResult> {
    // only what applying needs (the raw body, kept for replays and audits, is never read here)
    const [row] = (await this.dataSource.query(READ_INBOX_SQL, [inboxId])) as
      Pick<WebhookInboxEntity, 'status' | 'eventType' | 'payload' | 'receivedAt'>[] | [];
    if (!row) throw new InboxRowMissing(inboxId);
    if (DONE_INBOX_STATUSES.includes(row.status))
      return { outcome: 'already_done', inboxStatus: row.status, eventIds: [] };

    const work = parseInboxEvent(row.eventType, row.payload);
    // Outside any database transaction: never hold one open across a Wompi call.
    const tx = work.kind === 'transaction' ? await this.confirmed(work.tx, inboxId) : undefined;

    const result = await inSpan(
      'payment.apply',
      { attributes: { 'webhook.inbox_id': inboxId, 'webhook.event_type': row.eventType } },
      async (span) => {
        const r = await this.dataSource.transaction((m) => this.applyLocked(m, inboxId, work, tx));
        span.setAttributes({
          'payment.outcome': r.outcome,
          ...(r.paymentId ? { 'payment.id': r.paymentId } : {}),
          ...(r.eventIds.length ? { 'cloudevents.event_id': r.eventIds } : {}),
        });
        return r;
      },
    );
    if (result.outcome === 'changed') recordApplied(this.metrics, result.paymentMethod, new Date(row.receivedAt));
    if (result.eventIds.length) this.signal.nudge();
    if (result.outcome !== 'already_done') {
      const log = {
        inbox_id: inboxId,
        event_type: row.eventType,
        outcome: result.outcome,
        inbox_status: result.inboxStatus,
        payment_id: result.paymentId,
        wompi_transaction_id: tx?.id,
        event_ids: result.eventIds,
      };
      if (result.outcome === 'unknown_payment')
        this.logger.warn(log, 'webhook event names no payment of ours; ignored');
      else if (result.outcome === 'external')
        this.logger.warn(log, 'webhook event names no payment of ours; recorded as an external transaction');
      else if (result.outcome === 'contradiction' || result.outcome === 'mismatch')
        this.logger.warn(log, 'webhook event refused (see payment_anomalies); inbox row DEAD');
      else this.logger.log(log, 'webhook event applied');
    }
    return result;
  }

  /**
   * Records a failed attempt: FAILED (a retry follows), DEAD (last attempt, poison event) or
   * RECEIVED (handed back to the inbox sweeper).
   */
  async recordFailure(
    inboxId: string,
    error: string,
    status: 'FAILED' | 'DEAD' | 'RECEIVED' | 'UNCONFIRMED',
  ): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(WebhookInboxEntity)
      .set({ status, lastError: error.slice(0, 2000), attempts: () => 'attempts + 1' })
      .where('id = :id and status in (:...open)', { id: inboxId, open: OPEN_INBOX_STATUSES })
      .execute();
  }

  /**
   * With verify-by-fetch on, a final status (APPROVED, DECLINED, ERROR, VOIDED) is only
   * believed once Wompi itself says so, and the fetched view is what gets applied. Wompi still
   * behind the event (e.g. PENDING for an APPROVED) → `UnconfirmedByWompi`, retried; Wompi
   * saying something else (e.g. DECLINED for an APPROVED) → Wompi's view is applied, never the
   * event's. Wompi unreachable → the error propagates and the job retries with backoff: never
   * trusted blindly, never dropped.
   */
  private async confirmed(tx: WompiTransaction, inboxId: string): Promise<WompiTransaction> {
    if (!this.config.wompi.verifyApprovedByFetch || !isFinal(tx.status)) return tx;
    const fetched = await this.gateway.getTransaction(tx.id);
    if (fetched.id !== tx.id) throw new Error(`Wompi answered transaction ${fetched.id} when asked for ${tx.id}`);
    if (fetched.status !== tx.status && canAttemptTransition(fetched.status, tx.status))
      throw new UnconfirmedByWompi(tx.id, tx.status, fetched.status);
    if (fetched.status !== tx.status) {
      this.logger.warn(
        { inbox_id: inboxId, wompi_transaction_id: tx.id, event_status: tx.status, wompi_status: fetched.status },
        'Wompi reports a different status than the event; applying what Wompi reports',
      );
    }
    return fetched;
  }

  private async applyLocked(
    m: EntityManager,
    inboxId: string,
    work: InboxWork,
    tx: WompiTransaction | undefined,
  ): Promise<InboxResult> {
    const mark = (status: InboxStatus, lastError: string | null) =>
      m.query(MARK_INBOX_SQL, [inboxId, status, lastError]);
    if (work.kind === 'transaction') return this.applyReport(m, inboxId, tx!, mark);

    const [locked] = (await m.query(LOCK_INBOX_SQL, [inboxId])) as { status: InboxStatus }[];
    if (!locked) throw new InboxRowMissing(inboxId);
    if (DONE_INBOX_STATUSES.includes(locked.status))
      return { outcome: 'already_done', inboxStatus: locked.status, eventIds: [] };

    if (work.kind === 'no_op') {
      await mark('PROCESSED', null);
      return { outcome: 'no_op', inboxStatus: 'PROCESSED', eventIds: [] };
    }
    await mark('IGNORED', work.reason);
    return { outcome: 'unsupported', inboxStatus: 'IGNORED', eventIds: [] };
  }

  /**
   * A transaction report: one statement locks the inbox row and then the payment row; a status
   * change marks the inbox row in the statement that records it (`fold`), any other outcome
   * marks it on its own.
   */
  private async applyReport(
    m: EntityManager,
    inboxId: string,
    tx: WompiTransaction,
    mark: (status: InboxStatus, lastError: string | null) => Promise<unknown>,
  ): Promise<InboxResult> {
    const [locked] = (await m.query(LOCK_INBOX_AND_PAYMENT_SQL, [
      inboxId,
      tx.reference,
      DONE_INBOX_STATUSES,
    ])) as (Record<string, unknown> & { inbox_status: InboxStatus })[];
    if (!locked) throw new InboxRowMissing(inboxId);
    if (DONE_INBOX_STATUSES.includes(locked.inbox_status))
      return { outcome: 'already_done', inboxStatus: locked.inbox_status, eventIds: [] };

    const onChange = inboxStatusFor('changed', tx);
    const fold: FoldedWrite = { sql: MARK_INBOX, params: [inboxId, onChange.status, onChange.lastError] };
    const applied = await this.state.applyLocked(
      m,
      {
        payment: locked.id === null ? null : paymentFromRow(locked),
        txStartedAt: (locked.tx_started_at as Date | null) ?? undefined,
      },
      tx,
      'webhook',
      { inboxEventId: inboxId, fold },
    );
    const { status, lastError } = inboxStatusFor(applied.outcome, tx);
    if (!applied.folded) await mark(status, lastError);
    return {
      outcome: applied.outcome,
      inboxStatus: status,
      paymentId: applied.payment?.id,
      paymentMethod: applied.payment?.paymentMethodType,
      eventIds: applied.eventIds,
    };
  }
}
