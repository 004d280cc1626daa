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
import { FULFIL_PARTS, FulfilRow, PaymentEvents, PreparedFulfilment } from './payment-events';
import { ATTEMPT_COLUMNS, PAYMENT_COLUMNS, attemptFromRow, columnsOf, paymentFromRow } from './entities/rows';
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

/** What applying a report changes on an attempt, its parameters numbered from `n + 1`. */
const ATTEMPT_UPDATE_SQL = (n: number) => `update payment_attempts
      set wompi_transaction_id = $${n + 2}, status = $${n + 3}, status_message = $${n + 4},
          payment_method_type = $${n + 5}, snapshot = $${n + 6}::jsonb, finalized_at = $${n + 7},
          updated_at = CURRENT_TIMESTAMP
    where id = $${n + 1}
    returning updated_at`;

const attemptParams = (a: PaymentAttemptEntity): unknown[] => [
  a.id,
  a.wompiTransactionId,
  a.status,
  a.statusMessage,
  a.paymentMethodType,
  a.snapshot === null ? null : JSON.stringify(a.snapshot),
  a.finalizedAt,
];

/** The payment row, locked, with the transaction's start time (what CURRENT_TIMESTAMP writes into updated_at). */
const LOCK_PAYMENT_SQL = (by: 'id' | 'wompi_reference') =>
  `select ${columnsOf(PAYMENT_COLUMNS, 'p')}, current_timestamp as tx_started_at from payments p where p.${by} = $1 for update`;
const LOCK_PAYMENT_BY_ID_SQL = LOCK_PAYMENT_SQL('id');
const LOCK_PAYMENT_BY_REFERENCE_SQL = LOCK_PAYMENT_SQL('wompi_reference');

/** The attempt a report is about ($1, its Wompi id) and every attempt of the payment ($2). */
const KNOWN_ATTEMPTS_SQL = `select ${columnsOf(ATTEMPT_COLUMNS, 'a')} from payment_attempts a
  where a.wompi_transaction_id = $1 or a.payment_id = $2`;

/** The payment columns applying a report may change. */
function applyFieldsOf(p: PaymentEntity): unknown[] {
  return [
    p.status,
    p.wompiTransactionId,
    p.paymentMethodType,
    p.statusMessage,
    p.finalizedAt?.getTime() ?? null,
    p.version,
    p.nextAction ?? null,
  ];
}

/** Deep equality of JSON-like values, key order ignored (jsonb does not keep it). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b as object, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** TypeORM answers UPDATE … RETURNING with `[rows, rowCount]` and SELECT or INSERT with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}

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
  /** `ApplyOptions.fold` was written (in the statement that recorded the change) */
  folded?: boolean;
}

/** A write of the caller's folded into the statement that records a status change (see ApplyOptions.fold). */
export interface FoldedWrite {
  /** one data-modifying statement (becomes a CTE), its parameters numbered from `first + 1` */
  sql: (first: number) => string;
  params: unknown[];
}

export interface ApplyOptions {
  /** look the payment up by id instead of the Wompi transaction's reference */
  paymentId?: string;
  /** the inbox row that carried the report (recorded on the fulfilment) */
  inboxEventId?: string;
  /**
   * Written with the change when the outcome is 'changed' the ordinary way (one statement: the
   * attempt, the payment, its history, the fulfilment and its event, and this), saving the
   * caller a round trip; `ApplyResult.folded` says whether it was — if not, the caller writes it.
   */
  fold?: FoldedWrite;
}

/** The payment row as the caller locked it (FOR UPDATE, in the applying transaction); null when none was found. */
export interface LockedPayment {
  payment: PaymentEntity | null;
  /** the transaction's start time (CURRENT_TIMESTAMP, read with the lock): what updated_at becomes */
  txStartedAt?: Date;
}

/** `payment_anomalies.kind` of a report contradicting a final status (see `isContradiction`). */
export const STATUS_CONTRADICTION = 'status_contradiction';

/** `payment_anomalies.kind` of a second APPROVED Wompi transaction for one payment (see `isDuplicateApproval`). */
export const DUPLICATE_APPROVAL = 'duplicate_approval';

/** `payment_anomalies.kind` of a report whose Wompi transaction id another of our payments already holds: refused. */
export const TRANSACTION_OF_ANOTHER_PAYMENT = 'transaction_of_another_payment';

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
    // plain SQL and a small mapper: the query builder's hydration cost more CPU than the query
    const [row] = rowsOf<Record<string, unknown>>(
      await m.query(opts.paymentId ? LOCK_PAYMENT_BY_ID_SQL : LOCK_PAYMENT_BY_REFERENCE_SQL, [
        opts.paymentId ?? tx.reference,
      ]),
    );
    const locked = row ? { payment: paymentFromRow(row), txStartedAt: row.tx_started_at as Date } : { payment: null };
    return this.applyLocked(m, locked, tx, source, opts);
  }

  /**
   * `applyWith` for a caller that locked the payment row itself (by `opts.paymentId`, else by the
   * Wompi transaction's reference), e.g. in the statement that locked its own row first.
   */
  async applyLocked(
    m: EntityManager,
    locked: LockedPayment,
    tx: WompiTransaction,
    source: TransitionSource,
    opts: ApplyOptions = {},
  ): Promise<ApplyResult> {
    let payment = locked.payment;
    let txStartedAt = locked.txStartedAt;
    if (!payment && opts.paymentId) return { outcome: 'unknown_payment', eventIds: [] };
    if (!payment) {
      payment = await this.claims.claim(m, tx);
      txStartedAt = undefined; // a claimed payment takes the usual statements
    }
    if (!payment) return { outcome: 'external', eventIds: await this.external.record(m, tx, null) };
    if (payment.kind !== 'EXTERNAL') return this.applyToPayment(m, payment, tx, source, opts, txStartedAt);
    const announced = await this.external.record(m, tx, payment.id);
    const result = await this.applyToPayment(m, payment, tx, source, opts, txStartedAt);
    return { ...result, eventIds: [...announced, ...result.eventIds] };
  }

  private async applyToPayment(
    m: EntityManager,
    payment: PaymentEntity,
    tx: WompiTransaction,
    source: TransitionSource,
    opts: ApplyOptions,
    txStartedAt: Date | undefined,
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

    const loaded = applyFieldsOf(payment);
    const attempts = m.getRepository(PaymentAttemptEntity);
    // one read for the attempt this report is about and every attempt of the payment (the
    // payment row is locked: no other writer adds or moves its attempts meanwhile)
    const known = rowsOf<Record<string, unknown>>(await m.query(KNOWN_ATTEMPTS_SQL, [tx.id, payment.id])).map(
      attemptFromRow,
    );
    const held = known.find((a) => a.wompiTransactionId === tx.id && a.paymentId !== payment.id);
    if (held) {
      // Wompi never gives two transactions one id: applying this would move the other payment's
      // attempt (or leave this payment without its own). Refused and recorded, never applied.
      await this.anomaly(
        m,
        payment,
        tx,
        TRANSACTION_OF_ANOTHER_PAYMENT,
        source,
        { other_payment_id: held.paymentId, other_attempt_status: held.status },
        'Wompi reports a transaction id that another of our payments already holds; refused, investigate with Wompi',
        { other_payment_id: held.paymentId },
      );
      return { outcome: 'mismatch', payment, eventIds: [] };
    }
    let attempt =
      known.find((a) => a.wompiTransactionId === tx.id) ??
      // an UNKNOWN attempt (create outcome not seen) is this transaction once Wompi reports it
      known.find((a) => a.paymentId === payment.id && a.status === 'UNKNOWN' && a.wompiTransactionId === null);
    const now = new Date();
    let attemptChanged = false;
    let unsaved: PaymentAttemptEntity | undefined;
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
      known.push(attempt);
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
      // written with the payment below (one statement), or on its own where the payment stays
      unsaved = attempt;
      attemptChanged = true;
    }

    // the payment's attempts as they now stand (the one above updated in place or appended)
    const all = known.filter((a) => a.paymentId === payment.id);
    const from = payment.status;
    const to = nextPaymentStatus(from, all);
    if (attemptChanged && !attemptWasApproved && isDuplicateApproval(attempt, all)) {
      // a second charge for one reference (e.g. two Widget payments): the attempt is recorded as
      // Wompi says, the payment keeps its status and its one transaction.approved; an operator refunds one
      const first = all.find((a) => a.id !== attempt.id && (a.status === 'APPROVED' || a.status === 'VOIDED'));
      if (unsaved) await this.updateAttempt(m, unsaved);
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
      if (unsaved) await this.updateAttempt(m, unsaved);
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
        // like a repository save: no UPDATE (and no updated_at bump) when nothing differs
        if (!sameJson(applyFieldsOf(payment), loaded)) await this.updatePayment(m, payment, undefined, unsaved);
        else if (unsaved) await this.updateAttempt(m, unsaved);
      }
      return { outcome: attemptChanged ? 'unchanged' : 'stale', payment, eventIds: [] };
    }

    payment.status = to;
    payment.wompiTransactionId = decider?.wompiTransactionId ?? tx.id;
    payment.paymentMethodType = decider?.paymentMethodType ?? payment.paymentMethodType;
    payment.statusMessage = decider?.statusMessage ?? null;
    payment.finalizedAt = isFinal(to) ? (decider?.finalizedAt ?? now) : null;
    payment.version += 1;
    const decidedBy = decider?.id ?? attempt.id;
    const history = {
      paymentId: payment.id,
      attemptId: decidedBy,
      wompiTransactionId: payment.wompiTransactionId,
      fromStatus: from,
      toStatus: to,
      source,
      detail: { wompi_status: tx.status, status_message: tx.status_message ?? null },
    };
    // the ordinary change (not a claim, not after our own give-up): the attempt, the payment row,
    // its history line, the fulfilment with its event, and the caller's fold in one statement
    const ordinary = txStartedAt !== undefined && from !== 'EXPIRED';
    let fulfilment: PreparedFulfilment | undefined;
    let fulfilled: FulfilRow | undefined;
    if (ordinary) {
      // the event announces the payment as the statement leaves it: updated_at = CURRENT_TIMESTAMP
      payment.updatedAt = txStartedAt;
      fulfilment = this.events.prepare(payment, all, opts.inboxEventId);
      fulfilled = await this.updatePayment(m, payment, history, unsaved, fulfilment, opts.fold);
    }
    // the attempt, the payment row and its history line in one statement
    else await this.updatePayment(m, payment, history, unsaved);
    if (to === 'APPROVED' && (from === 'DECLINED' || from === 'ERROR')) {
      // a different Wompi transaction with our reference took the money (buyer retry, late create):
      // consumers got transaction.declined/error and now get transaction.approved
      this.logger.warn(
        { payment_id: payment.id, wompi_transaction_id: payment.wompiTransactionId, from, to, source },
        'a later attempt approved a payment that had failed',
      );
    }
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
    if (ordinary) {
      const eventIds = fulfilment ? fulfilment.finish(fulfilled) : [];
      return { outcome: 'changed', payment, from, to, eventIds, folded: !!opts.fold };
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

  /**
   * Writes what applying a report may change on the payment (the caller holds its row lock) in
   * one UPDATE … RETURNING; in the same statement, with `history` its status history line, with
   * `attempt` the attempt's new state (a repository save would read each row back first), with
   * `fulfilment` the fulfilment and its event (FULFIL_PARTS; its row is returned) and with `fold`
   * the caller's own write.
   */
  private async updatePayment(
    m: EntityManager,
    p: PaymentEntity,
    history?: Omit<PaymentStatusHistoryEntity, 'id' | 'createdAt'>,
    attempt?: PaymentAttemptEntity,
    fulfilment?: PreparedFulfilment,
    fold?: FoldedWrite,
  ): Promise<FulfilRow | undefined> {
    // the fulfilment's parameters first: FULFIL_PARTS numbers them $1–$12
    const params: unknown[] = fulfilment ? [...fulfilment.params] : [];
    const parts: string[] = fulfilment ? [...FULFIL_PARTS.ctes] : [];
    const b = params.length;
    params.push(
      p.id,
      p.status,
      p.wompiTransactionId,
      p.paymentMethodType,
      p.statusMessage,
      p.finalizedAt,
      p.version,
      p.nextAction === null || p.nextAction === undefined ? null : JSON.stringify(p.nextAction),
    );
    // one statement cannot update the payment row twice: the fulfilment's buyer-retry horizon is set here
    const retryable = fulfilment ? `retryable_until = ${FULFIL_PARTS.retryableUntil},\n                    ` : '';
    parts.push(
      `u as (update payments
                set status = $${b + 2}, wompi_transaction_id = $${b + 3}, payment_method_type = $${b + 4}, status_message = $${b + 5},
                    finalized_at = $${b + 6}, version = $${b + 7}, next_action = $${b + 8}::jsonb,
                    ${retryable}updated_at = CURRENT_TIMESTAMP
              where id = $${b + 1}
              returning updated_at)`,
    );
    if (history) {
      const n = params.length;
      params.push(
        history.paymentId,
        history.attemptId,
        history.wompiTransactionId,
        history.fromStatus,
        history.toStatus,
        history.source,
        history.detail === null ? null : JSON.stringify(history.detail),
      );
      parts.push(
        `h as (insert into payment_status_history
                 (payment_id, attempt_id, wompi_transaction_id, from_status, to_status, source, detail)
               values ($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}::jsonb))`,
      );
    }
    let attemptColumn = '';
    if (attempt) {
      parts.push(`a as (${ATTEMPT_UPDATE_SQL(params.length)})`);
      params.push(...attemptParams(attempt));
      attemptColumn = ', (select updated_at from a) as attempt_updated_at';
    }
    if (fold) {
      parts.push(`w as (${fold.sql(params.length)})`);
      params.push(...fold.params);
    }
    const fulfilColumns = fulfilment ? `, ${FULFIL_PARTS.result}` : '';
    const rows = rowsOf<{ updated_at: Date; attempt_updated_at?: Date } & FulfilRow>(
      await m.query(
        `with ${parts.join(', ')} select (select updated_at from u) as updated_at${attemptColumn}${fulfilColumns}`,
        params,
      ),
    );
    if (rows[0]?.updated_at) p.updatedAt = rows[0].updated_at;
    if (attempt && rows[0]?.attempt_updated_at) attempt.updatedAt = rows[0].attempt_updated_at;
    return fulfilment ? rows[0] : undefined;
  }

  /** One UPDATE … RETURNING (a repository save would read the row back first to diff it). */
  private async updateAttempt(m: EntityManager, a: PaymentAttemptEntity): Promise<void> {
    const rows = rowsOf<{ updated_at: Date }>(await m.query(ATTEMPT_UPDATE_SQL(0), attemptParams(a)));
    if (rows[0]) a.updatedAt = rows[0].updated_at;
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
