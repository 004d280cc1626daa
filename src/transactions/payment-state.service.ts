import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { ExternalTransactionRecorder } from '../external-transactions/external-transaction.recorder';
import { Metrics } from '../metrics/metrics';
import { recordTransition } from '../metrics/payment-metrics';
import { WompiTransaction } from '../wompi/wompi.types';
import { PaymentAnomalyEntity } from './entities/payment-anomaly.entity';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { PaymentStatusHistoryEntity } from './entities/payment-status-history.entity';
import { PaymentEntity } from './entities/payment.entity';
import { PaymentEvents } from './payment-events';
import { PaymentStatus, TransitionSource } from './payment-status';
import {
  canAttemptTransition,
  decidingAttempt,
  isContradiction,
  isDuplicateApproval,
  isFinal,
  isRefusedFinalMove,
  nextPaymentStatus,
} from './state-machine';
import { PaymentClaims } from './payment-claims';
import { nextActionFrom } from './transaction.view';

export { EVENT_TYPE_BY_STATUS } from './payment-events';

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
  /** no payment of ours carries this reference (asked by payment id) */
  | 'unknown_payment'
  /** a Wompi transaction nobody here owns (no reference of ours, no link of ours, no EXTERNAL_PAYMENTS_OWNER): recorded in external_transactions, announced as transaction.external */
  | 'external';

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

/** `payment_anomalies.kind` of an APPROVED that arrived after we had given the payment up (EXPIRED): applied, flagged. */
export const APPROVED_AFTER_EXPIRY = 'approved_after_expiry';

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

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PaymentEvents,
    private readonly metrics: Metrics,
    private readonly claims: PaymentClaims,
    private readonly external: ExternalTransactionRecorder,
  ) {}

  /** Runs in its own transaction. */
  apply(tx: WompiTransaction, source: TransitionSource, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return this.dataSource.transaction((m) => this.applyWith(m, tx, source, opts));
  }

  /**
   * Runs inside the caller's transaction (e.g. the processor also marks its inbox row). A
   * transaction with no reference of ours is claimed (a link of ours, EXTERNAL_PAYMENTS_OWNER)
   * or recorded as external — never dropped. Unclaimed external ones are never fulfilled.
   */
  async applyWith(
    m: EntityManager,
    tx: WompiTransaction,
    source: TransitionSource,
    opts: ApplyOptions = {},
  ): Promise<ApplyResult> {
    let payment = await m
      .getRepository(PaymentEntity)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where(opts.paymentId ? 'p.id = :id' : 'p.wompi_reference = :ref', { id: opts.paymentId, ref: tx.reference })
      .getOne();
    if (!payment && opts.paymentId) return { outcome: 'unknown_payment', eventIds: [] };
    payment ??= await this.claims.claim(m, tx);
    if (!payment) return { outcome: 'external', eventIds: await this.external.record(m, tx, null) };
    if (payment.kind !== 'EXTERNAL') return this.applyToPayment(m, payment, tx, source, opts);
    const announced = await this.external.record(m, tx, payment.id);
    const result = await this.applyToPayment(m, payment, tx, source, opts);
    return { ...result, eventIds: [...announced, ...result.eventIds] };
  }

  private async applyToPayment(
    m: EntityManager,
    payment: PaymentEntity,
    tx: WompiTransaction,
    source: TransitionSource,
    opts: ApplyOptions,
  ): Promise<ApplyResult> {
    const mismatch = this.mismatch(payment, tx);
    if (mismatch) {
      await this.anomaly(
        m,
        payment,
        tx,
        mismatch,
        source,
        { reference: payment.wompiReference, amount_in_cents: payment.amountInCents, currency: payment.currency },
        'Wompi report disagrees with our payment; refused',
      );
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
      attempt = attempts.create({
        paymentId: payment.id,
        wompiTransactionId: tx.id,
        status: tx.status,
        paymentMethodType: tx.payment_method_type ?? null,
        amountInCents: tx.amount_in_cents,
        statusMessage: tx.status_message ?? null,
        snapshot: tx as unknown as Record<string, unknown>,
        finalizedAt: isFinal(tx.status) ? new Date(tx.finalized_at ?? now) : null,
      });
      attempt = await attempts.save(attempt);
      attemptChanged = true;
    } else if (attempt.status !== tx.status || attempt.wompiTransactionId === null) {
      if (attempt.status !== tx.status && isContradiction(attempt.status, tx.status)) {
        // Wompi now says another final status than the final one we recorded: money may have
        // moved without our record following. Never applied silently, never dropped silently.
        await this.anomaly(
          m,
          payment,
          tx,
          STATUS_CONTRADICTION,
          source,
          {
            status: attempt.status,
            payment_status: payment.status,
            finalized_at: attempt.finalizedAt?.toISOString() ?? null,
          },
          'Wompi reports a final status that contradicts the one we recorded; refused, investigate with Wompi',
        );
        return { outcome: 'contradiction', payment, eventIds: [] };
      }
      if (attempt.status !== tx.status && !canAttemptTransition(attempt.status, tx.status)) {
        this.logger.debug(
          { payment_id: payment.id, wompi_transaction_id: tx.id, from: attempt.status, to: tx.status },
          'stale report ignored',
        );
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
      await this.anomaly(
        m,
        payment,
        tx,
        DUPLICATE_APPROVAL,
        source,
        {
          status: from,
          payment_status: from,
          approved_wompi_transaction_id: first?.wompiTransactionId ?? null,
          approved_attempt_status: first?.status ?? null,
        },
        'a second Wompi transaction of this payment was APPROVED: the buyer paid twice; refund one',
        { approved_wompi_transaction_id: first?.wompiTransactionId ?? null },
      );
      return { outcome: 'unchanged', payment, eventIds: [] };
    }
    if (attemptChanged && decidingAttempt(all)?.id === attempt.id && isRefusedFinalMove(from, all)) {
      // e.g. an APPROVED attempt on a VOIDED payment: the attempt is recorded as Wompi says, the payment is not moved
      await this.anomaly(
        m,
        payment,
        tx,
        STATUS_CONTRADICTION,
        source,
        { status: from, payment_status: from, finalized_at: payment.finalizedAt?.toISOString() ?? null },
        'Wompi reports a status our final payment cannot take; refused, investigate with Wompi',
      );
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
      this.logger.warn(
        { payment_id: payment.id, wompi_transaction_id: payment.wompiTransactionId, from, to, source },
        'a later attempt approved a payment that had failed',
      );
    }
    await this.history(m, {
      paymentId: payment.id,
      attemptId: decider?.id ?? attempt.id,
      wompiTransactionId: payment.wompiTransactionId,
      fromStatus: from,
      toStatus: to,
      source,
      detail: { wompi_status: tx.status, status_message: tx.status_message ?? null },
    });
    this.metrics.paymentTransitions.inc({ from, to, source });
    recordTransition(this.metrics, payment, from, to);

    if (from === 'EXPIRED') {
      // we had given up (horizon or session expiry) and consumers got transaction.expired /
      // checkout_session.expired; the money was taken all the same, so it is applied — and an
      // operator decides between a late fulfilment and a refund
      await this.anomaly(
        m,
        payment,
        tx,
        APPROVED_AFTER_EXPIRY,
        source,
        { status: from, payment_status: from },
        'Wompi approved a payment we had expired: applied (transaction.approved follows); fulfil late or refund',
      );
    }
    const eventIds = await this.events.fulfil(m, payment, all, opts.inboxEventId);
    return { outcome: 'changed', payment, from, to, eventIds };
  }

  /**
   * A status change decided without a Wompi report (e.g. recording UNKNOWN or a void
   * request): history only, no fulfilment. Caller holds the payment row lock.
   */
  async recordTransition(
    m: EntityManager,
    payment: PaymentEntity,
    to: PaymentStatus,
    source: TransitionSource,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    const from = payment.status;
    if (from === to) return;
    payment.status = to;
    payment.version += 1;
    await m.getRepository(PaymentEntity).save(payment);
    await this.history(m, {
      paymentId: payment.id,
      attemptId: null,
      wompiTransactionId: payment.wompiTransactionId,
      fromStatus: from,
      toStatus: to,
      source,
      detail,
    });
    this.metrics.paymentTransitions.inc({ from, to, source });
    recordTransition(this.metrics, payment, from, to);
  }

  /**
   * A final status decided without a Wompi report — a create Wompi never received, found out
   * by reconciliation — with the same fulfilment and event as a reported one, so consumers
   * waiting for the payment hear about it. Caller holds the payment row lock.
   */
  async recordFinalWithoutReport(
    m: EntityManager,
    payment: PaymentEntity,
    to: PaymentStatus,
    source: TransitionSource,
    statusMessage: string,
    detail: Record<string, unknown> = {},
  ): Promise<string[]> {
    if (!isFinal(to) || isFinal(payment.status)) return [];
    const now = new Date();
    await m
      .getRepository(PaymentAttemptEntity)
      .update(
        { paymentId: payment.id, status: 'UNKNOWN', wompiTransactionId: IsNull() },
        { status: to, statusMessage, finalizedAt: now },
      );
    payment.statusMessage = statusMessage;
    payment.finalizedAt = now;
    await this.recordTransition(m, payment, to, source, { ...detail, status_message: statusMessage });
    const attempts = await m.getRepository(PaymentAttemptEntity).find({ where: { paymentId: payment.id } });
    return this.events.fulfil(m, payment, attempts);
  }

  /**
   * Our own give-up: a payment still PENDING (a last read at Wompi said so, or a checkout session
   * nobody paid) becomes EXPIRED with its event. Caller holds the payment row lock and has
   * checked what still holds; returns [] when the payment is no longer PENDING.
   */
  async recordExpiry(
    m: EntityManager,
    payment: PaymentEntity,
    source: TransitionSource,
    statusMessage: string,
    detail: Record<string, unknown> = {},
  ): Promise<string[]> {
    if (payment.status !== 'PENDING') return [];
    payment.statusMessage = statusMessage;
    payment.finalizedAt = new Date();
    await this.recordTransition(m, payment, 'EXPIRED', source, { ...detail, status_message: statusMessage });
    const attempts = await m.getRepository(PaymentAttemptEntity).find({ where: { paymentId: payment.id } });
    return this.events.fulfil(m, payment, attempts);
  }

  private async history(m: EntityManager, row: Omit<PaymentStatusHistoryEntity, 'id' | 'createdAt'>): Promise<void> {
    await m.getRepository(PaymentStatusHistoryEntity).save(m.getRepository(PaymentStatusHistoryEntity).create(row));
  }

  /** A refused or suspicious report: an anomaly row, `payments_anomalies_total{kind}` and an error log with ids only (an alert). */
  private async anomaly(
    m: EntityManager,
    payment: PaymentEntity,
    tx: WompiTransaction,
    kind: string,
    source: TransitionSource,
    expected: Record<string, unknown>,
    message: string,
    logIds: Record<string, string | null> = {},
  ): Promise<void> {
    const anomalies = m.getRepository(PaymentAnomalyEntity);
    await anomalies.save(
      anomalies.create({
        paymentId: payment.id,
        wompiTransactionId: tx.id,
        kind,
        source,
        expected,
        actual: {
          reference: tx.reference,
          amount_in_cents: tx.amount_in_cents,
          currency: tx.currency,
          status: tx.status,
        },
      }),
    );
    this.metrics.paymentAnomalies.inc({ kind });
    this.logger.error(
      {
        payment_id: payment.id,
        wompi_transaction_id: tx.id,
        ...logIds,
        kind,
        source,
        recorded_status: expected.status ?? payment.status,
        reported_status: tx.status,
      },
      message,
    );
  }

  private mismatch(p: PaymentEntity, tx: WompiTransaction): string | undefined {
    if (tx.reference !== p.wompiReference) return 'reference';
    if (Number(tx.amount_in_cents) !== Number(p.amountInCents)) return 'amount';
    if (tx.currency !== p.currency) return 'currency';
    return undefined;
  }
}
