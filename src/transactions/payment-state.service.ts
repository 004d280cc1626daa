import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { FulfilmentEntity } from '../fulfilment/fulfilment.entity';
import { Metrics } from '../metrics/metrics';
import { recordTransition } from '../metrics/payment-metrics';
import { OutboxWriter } from '../messaging/outbox-writer';
import { WompiTransaction } from '../wompi/wompi.types';
import { PaymentAnomalyEntity } from './entities/payment-anomaly.entity';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { PaymentStatusHistoryEntity } from './entities/payment-status-history.entity';
import { PaymentEntity } from './entities/payment.entity';
import { FINAL_STATUSES, PaymentStatus, TransitionSource } from './payment-status';
import { canAttemptTransition, decidingAttempt, isContradiction, isDuplicateApproval, isFinal, isRefusedFinalMove, nextPaymentStatus } from './state-machine';
import { nextActionFrom, toTransactionView } from './transaction.view';

export type ApplyOutcome =
  /** the payment's status changed (events and fulfilment written) */
  | 'changed'
  /** recorded (attempt updated or nothing new) without a payment status change */
  | 'unchanged'
  /** a final state would regress (late PENDING, older event): ignored */
  | 'stale'
  /** amount, currency or reference disagree with our record: refused, recorded, alerted */
  | 'mismatch'
  /** Wompi reports, for the same Wompi transaction, a different final status than the one we recorded (e.g. APPROVED after DECLINED): refused, recorded, alerted. (Another transaction of the reference approving is a buyer retry: 'changed'; a second approval is `duplicate_approval`: 'unchanged'.) */
  | 'contradiction'
  /** no payment of ours carries this reference */
  | 'unknown_payment';

export interface ApplyResult {
  outcome: ApplyOutcome;
  payment?: PaymentEntity;
  from?: PaymentStatus;
  to?: PaymentStatus;
  /** outbox event ids written by this call */
  eventIds: string[];
}

export interface ApplyOptions {
  /** look the payment up by id instead of the Wompi transaction's reference */
  paymentId?: string;
  /** the inbox row that carried the report (recorded on the fulfilment) */
  inboxEventId?: string;
}

/** `payment_anomalies.kind` of a report contradicting a final status (see `isContradiction`). */
export const STATUS_CONTRADICTION = 'status_contradiction';

/** `payment_anomalies.kind` of a second APPROVED Wompi transaction for one payment (see `isDuplicateApproval`). */
export const DUPLICATE_APPROVAL = 'duplicate_approval';

/** Event types by final status; each state change yields its event once per state. */
export const EVENT_TYPE_BY_STATUS: Partial<Record<PaymentStatus, string>> = {
  APPROVED: 'transaction.approved',
  DECLINED: 'transaction.declined',
  VOIDED: 'transaction.voided',
  ERROR: 'transaction.error',
};

/**
 * Applies what Wompi says about one of its transactions to our payment, in one short
 * database transaction: lock the payment row, guard amount/currency/reference, move the
 * attempt and the payment through the state machine, append history, write the fulfilment
 * (unique per payment and state, so a second run is a no-op) and the outbox event.
 * Never called with a Wompi request in flight: fetch first, then apply.
 */
@Injectable()
export class PaymentStateService {
  private readonly logger = new Logger('PaymentState');

  constructor(private readonly dataSource: DataSource, private readonly outbox: OutboxWriter, private readonly metrics: Metrics) {}

  /** Runs in its own transaction. */
  apply(tx: WompiTransaction, source: TransitionSource, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return this.dataSource.transaction((m) => this.applyWith(m, tx, source, opts));
  }

  /** Runs inside the caller's transaction (e.g. the processor also marks its inbox row). */
  async applyWith(m: EntityManager, tx: WompiTransaction, source: TransitionSource, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const payment = await m
      .getRepository(PaymentEntity)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where(opts.paymentId ? 'p.id = :id' : 'p.wompi_reference = :ref', { id: opts.paymentId, ref: tx.reference })
      .getOne();
    if (!payment) return { outcome: 'unknown_payment', eventIds: [] };

    const mismatch = this.mismatch(payment, tx);
    if (mismatch) {
      await this.anomaly(m, payment, tx, mismatch, source, { reference: payment.wompiReference, amount_in_cents: payment.amountInCents, currency: payment.currency }, 'Wompi report disagrees with our payment; refused');
      return { outcome: 'mismatch', payment, eventIds: [] };
    }

    const attempts = m.getRepository(PaymentAttemptEntity);
    let attempt =
      (await attempts.findOne({ where: { wompiTransactionId: tx.id } })) ??
      // an UNKNOWN attempt (create outcome not seen) is this transaction once Wompi reports it
      (await attempts.findOne({ where: { paymentId: payment.id, status: 'UNKNOWN', wompiTransactionId: IsNull() } }));
    const now = new Date();
    let attemptChanged = false;
    const attemptWasApproved = attempt?.status === 'APPROVED';
    if (!attempt) {
      attempt = attempts.create({ paymentId: payment.id, wompiTransactionId: tx.id, status: tx.status, paymentMethodType: tx.payment_method_type ?? null, amountInCents: tx.amount_in_cents, statusMessage: tx.status_message ?? null, snapshot: tx as unknown as Record<string, unknown>, finalizedAt: isFinal(tx.status) ? new Date(tx.finalized_at ?? now) : null });
      attempt = await attempts.save(attempt);
      attemptChanged = true;
    } else if (attempt.status !== tx.status || attempt.wompiTransactionId === null) {
      if (attempt.status !== tx.status && isContradiction(attempt.status, tx.status)) {
        // Wompi now says another final status than the final one we recorded: money may have
        // moved without our record following. Never applied silently, never dropped silently.
        await this.anomaly(m, payment, tx, STATUS_CONTRADICTION, source, { status: attempt.status, payment_status: payment.status, finalized_at: attempt.finalizedAt?.toISOString() ?? null }, 'Wompi reports a final status that contradicts the one we recorded; refused, investigate with Wompi');
        return { outcome: 'contradiction', payment, eventIds: [] };
      }
      if (attempt.status !== tx.status && !canAttemptTransition(attempt.status, tx.status)) {
        this.logger.debug({ payment_id: payment.id, wompi_transaction_id: tx.id, from: attempt.status, to: tx.status }, 'stale report ignored');
        return { outcome: 'stale', payment, eventIds: [] };
      }
      attempt.wompiTransactionId = tx.id;
      attempt.status = tx.status;
      attempt.statusMessage = tx.status_message ?? null;
      attempt.paymentMethodType = tx.payment_method_type ?? attempt.paymentMethodType;
      attempt.snapshot = tx as unknown as Record<string, unknown>;
      attempt.finalizedAt = isFinal(tx.status) ? new Date(tx.finalized_at ?? now) : null;
      attempt = await attempts.save(attempt);
      attemptChanged = true;
    }

    const all = await attempts.find({ where: { paymentId: payment.id } });
    const from = payment.status;
    const to = nextPaymentStatus(from, all);
    if (attemptChanged && !attemptWasApproved && isDuplicateApproval(attempt, all)) {
      // a second charge for one reference (e.g. two Widget payments): the attempt is recorded as
      // Wompi says, the payment keeps its status and its one transaction.approved; an operator refunds one
      const first = all.find((a) => a.id !== attempt.id && (a.status === 'APPROVED' || a.status === 'VOIDED'));
      await this.anomaly(m, payment, tx, DUPLICATE_APPROVAL, source, { status: from, payment_status: from, approved_wompi_transaction_id: first?.wompiTransactionId ?? null, approved_attempt_status: first?.status ?? null }, 'a second Wompi transaction of this payment was APPROVED: the buyer paid twice; refund one', { approved_wompi_transaction_id: first?.wompiTransactionId ?? null });
      return { outcome: 'unchanged', payment, eventIds: [] };
    }
    if (attemptChanged && decidingAttempt(all)?.id === attempt.id && isRefusedFinalMove(from, all)) {
      // e.g. an APPROVED attempt on a VOIDED payment: the attempt is recorded as Wompi says, the payment is not moved
      await this.anomaly(m, payment, tx, STATUS_CONTRADICTION, source, { status: from, payment_status: from, finalized_at: payment.finalizedAt?.toISOString() ?? null }, 'Wompi reports a status our final payment cannot take; refused, investigate with Wompi');
      return { outcome: 'contradiction', payment, eventIds: [] };
    }
    const decider = decidingAttempt(all);
    const nextAction = nextActionFrom(tx.payment_method);
    if (nextAction && (decider?.id === attempt.id || !payment.nextAction)) payment.nextAction = nextAction;

    if (to === from) {
      if (attemptChanged || nextAction) {
        if (!payment.wompiTransactionId) payment.wompiTransactionId = tx.id;
        if (!payment.paymentMethodType) payment.paymentMethodType = tx.payment_method_type ?? null;
        await m.getRepository(PaymentEntity).save(payment);
      }
      return { outcome: attemptChanged ? 'unchanged' : 'stale', payment, eventIds: [] };
    }

    payment.status = to;
    payment.wompiTransactionId = decider?.wompiTransactionId ?? tx.id;
    payment.paymentMethodType = decider?.paymentMethodType ?? payment.paymentMethodType;
    payment.statusMessage = decider?.statusMessage ?? null;
    payment.finalizedAt = isFinal(to) ? (decider?.finalizedAt ?? now) : null;
    payment.version += 1;
    await m.getRepository(PaymentEntity).save(payment);
    if (to === 'APPROVED' && (from === 'DECLINED' || from === 'ERROR')) {
      // a different Wompi transaction with our reference took the money (buyer retry, late create):
      // consumers got transaction.declined/error and now get transaction.approved
      this.logger.warn({ payment_id: payment.id, wompi_transaction_id: payment.wompiTransactionId, from, to, source }, 'a later attempt approved a payment that had failed');
    }
    await this.history(m, { paymentId: payment.id, attemptId: decider?.id ?? attempt.id, wompiTransactionId: payment.wompiTransactionId, fromStatus: from, toStatus: to, source, detail: { wompi_status: tx.status, status_message: tx.status_message ?? null } });
    this.metrics.paymentTransitions.inc({ from, to, source });
    recordTransition(this.metrics, payment, from, to);

    const eventIds = await this.fulfil(m, payment, all, opts.inboxEventId);
    return { outcome: 'changed', payment, from, to, eventIds };
  }

  /**
   * A status change decided without a Wompi report (e.g. recording UNKNOWN or a void
   * request): history only, no fulfilment. Caller holds the payment row lock.
   */
  async recordTransition(m: EntityManager, payment: PaymentEntity, to: PaymentStatus, source: TransitionSource, detail: Record<string, unknown> = {}): Promise<void> {
    const from = payment.status;
    if (from === to) return;
    payment.status = to;
    payment.version += 1;
    await m.getRepository(PaymentEntity).save(payment);
    await this.history(m, { paymentId: payment.id, attemptId: null, wompiTransactionId: payment.wompiTransactionId, fromStatus: from, toStatus: to, source, detail });
    this.metrics.paymentTransitions.inc({ from, to, source });
    recordTransition(this.metrics, payment, from, to);
  }

  /**
   * A final status decided without a Wompi report — a create Wompi never received, found out
   * by reconciliation — with the same fulfilment and event as a reported one, so consumers
   * waiting for the payment hear about it. Caller holds the payment row lock.
   */
  async recordFinalWithoutReport(m: EntityManager, payment: PaymentEntity, to: PaymentStatus, source: TransitionSource, statusMessage: string, detail: Record<string, unknown> = {}): Promise<string[]> {
    if (!isFinal(to) || isFinal(payment.status)) return [];
    const now = new Date();
    await m.getRepository(PaymentAttemptEntity).update({ paymentId: payment.id, status: 'UNKNOWN', wompiTransactionId: IsNull() }, { status: to, statusMessage, finalizedAt: now });
    payment.statusMessage = statusMessage;
    payment.finalizedAt = now;
    await this.recordTransition(m, payment, to, source, { ...detail, status_message: statusMessage });
    const attempts = await m.getRepository(PaymentAttemptEntity).find({ where: { paymentId: payment.id } });
    return this.fulfil(m, payment, attempts);
  }

  private async history(m: EntityManager, row: Omit<PaymentStatusHistoryEntity, 'id' | 'createdAt'>): Promise<void> {
    await m.getRepository(PaymentStatusHistoryEntity).save(m.getRepository(PaymentStatusHistoryEntity).create(row));
  }

  private async fulfil(m: EntityManager, payment: PaymentEntity, attempts: PaymentAttemptEntity[], inboxEventId?: string): Promise<string[]> {
    const status = payment.status;
    if (!FINAL_STATUSES.includes(status)) return [];
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(FulfilmentEntity)
      .values({ paymentId: payment.id, status: status as FulfilmentEntity['status'], wompiTransactionId: payment.wompiTransactionId, inboxEventId: inboxEventId ?? null })
      .orIgnore()
      .returning(['id'])
      .execute();
    if (!inserted.raw?.length) return []; // this state was fulfilled before: nothing more
    this.metrics.fulfilments.inc({ status });
    const type = EVENT_TYPE_BY_STATUS[status];
    if (!type) return [];
    const id = await this.outbox.write(m, {
      type,
      aggregateId: payment.id,
      // the caller's own reference (CONTRACT: the payment reference); data.wompi_reference is Wompi's
      subject: payment.reference,
      dedupeKey: `${payment.id}:${status}`,
      data: toTransactionView(payment, attempts) as unknown as Record<string, unknown>,
    });
    return [id];
  }

  /** A refused or suspicious report: an anomaly row, `payments_anomalies_total{kind}` and an error log with ids only (an alert). */
  private async anomaly(m: EntityManager, payment: PaymentEntity, tx: WompiTransaction, kind: string, source: TransitionSource, expected: Record<string, unknown>, message: string, logIds: Record<string, string | null> = {}): Promise<void> {
    const anomalies = m.getRepository(PaymentAnomalyEntity);
    await anomalies.save(
      anomalies.create({
        paymentId: payment.id,
        wompiTransactionId: tx.id,
        kind,
        source,
        expected,
        actual: { reference: tx.reference, amount_in_cents: tx.amount_in_cents, currency: tx.currency, status: tx.status },
      }),
    );
    this.metrics.paymentAnomalies.inc({ kind });
    this.logger.error({ payment_id: payment.id, wompi_transaction_id: tx.id, ...logIds, kind, source, recorded_status: expected.status ?? payment.status, reported_status: tx.status }, message);
  }

  private mismatch(p: PaymentEntity, tx: WompiTransaction): string | undefined {
    if (tx.reference !== p.wompiReference) return 'reference';
    if (Number(tx.amount_in_cents) !== Number(p.amountInCents)) return 'amount';
    if (tx.currency !== p.currency) return 'currency';
    return undefined;
  }
}
