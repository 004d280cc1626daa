import { FINAL_STATUSES, PaymentStatus } from './payment-status';

/**
 * The state machine, in one place.
 *
 * Attempts (one Wompi transaction each): PENDING → APPROVED | DECLINED | ERROR;
 * APPROVED → VOIDED; UNKNOWN (a create whose outcome we did not see) → anything once
 * resolved. Final states never regress: a late PENDING or an older event is refused.
 *
 * Payments (our record, one reference) take the status of their deciding attempt: an
 * APPROVED (or VOIDED) attempt wins over DECLINED/ERROR ones, so a *different* Wompi
 * transaction with our reference that ends APPROVED (a buyer retry in the Widget, or a create
 * we had given up on as ERROR that Wompi made after all) moves a DECLINED/ERROR payment to
 * APPROVED — money was taken — and that is the only way out of a failed final state.
 * The *same* Wompi transaction changing its final status is a contradiction (never applied);
 * a second APPROVED attempt is a duplicate approval (the buyer paid twice): both are anomalies.
 *
 * EXPIRED is ours, not Wompi's: PENDING → EXPIRED when we give up (horizon, session expiry).
 * A later APPROVED attempt still moves it to APPROVED — money is money — and is flagged; a
 * later DECLINED/ERROR attempt is recorded and leaves it EXPIRED.
 */
const ATTEMPT_TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  UNKNOWN: ['PENDING', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED'],
  PENDING: ['APPROVED', 'DECLINED', 'ERROR'],
  APPROVED: ['VOIDED'],
  DECLINED: [],
  ERROR: [],
  VOIDED: [],
  EXPIRED: [],
};

const PAYMENT_TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  UNKNOWN: ['PENDING', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED'],
  PENDING: ['APPROVED', 'DECLINED', 'ERROR', 'VOIDED', 'EXPIRED'],
  APPROVED: ['VOIDED'],
  DECLINED: ['APPROVED'],
  ERROR: ['APPROVED'],
  VOIDED: [],
  EXPIRED: ['APPROVED'],
};

export function canAttemptTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return ATTEMPT_TRANSITIONS[from].includes(to);
}

export function canPaymentTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/**
 * A report that contradicts a final attempt: Wompi now says a different final status that the
 * machine does not allow, and that is not just an earlier step of the same lifecycle reported
 * late (APPROVED after VOIDED is late; APPROVED after DECLINED, DECLINED after APPROVED, ERROR
 * after DECLINED… are contradictions). Never applied: recorded as an anomaly and alerted.
 */
export function isContradiction(current: PaymentStatus, reported: PaymentStatus): boolean {
  if (!isFinal(current) || !isFinal(reported) || current === reported) return false;
  return !canAttemptTransition(current, reported) && !canAttemptTransition(reported, current);
}

/**
 * `attempt` just became APPROVED while another attempt of the same payment had already been
 * approved (APPROVED, or VOIDED after its approval): a second charge for one reference. The
 * payment keeps its status (one `transaction.approved`); an operator refunds one of them.
 */
export function isDuplicateApproval(attempt: AttemptView, attempts: readonly AttemptView[]): boolean {
  return (
    attempt.status === 'APPROVED' &&
    attempts.some((a) => a.id !== attempt.id && (a.status === 'APPROVED' || a.status === 'VOIDED'))
  );
}

/** Higher wins when attempts disagree. DECLINED and ERROR tie: the latest one decides. (No attempt is EXPIRED; its rank keeps a late failure from being a refused move.) */
const PRIORITY: Record<PaymentStatus, number> = {
  UNKNOWN: 0,
  PENDING: 1,
  DECLINED: 2,
  ERROR: 2,
  EXPIRED: 2,
  VOIDED: 3,
  APPROVED: 4,
};

export interface AttemptView {
  id: string;
  status: PaymentStatus;
  /** for ties: later wins */
  updatedAt: Date;
}

/** The attempt that decides the payment's status. */
export function decidingAttempt<T extends AttemptView>(attempts: readonly T[]): T | undefined {
  return [...attempts].sort(
    (a, b) => PRIORITY[b.status] - PRIORITY[a.status] || b.updatedAt.getTime() - a.updatedAt.getTime(),
  )[0];
}

/**
 * The deciding attempt outranks a final payment status the machine cannot leave for it (an
 * APPROVED attempt on a VOIDED payment: money taken on a payment we consider voided).
 */
export function isRefusedFinalMove(current: PaymentStatus, attempts: readonly AttemptView[]): boolean {
  const decider = decidingAttempt(attempts);
  if (!decider || !isFinal(current) || !isFinal(decider.status) || decider.status === current) return false;
  return PRIORITY[decider.status] > PRIORITY[current] && !canPaymentTransition(current, decider.status);
}

/**
 * The payment status the attempts call for, or the current one when the machine refuses
 * the move (e.g. DECLINED → PENDING because a retry attempt just started).
 */
export function nextPaymentStatus(current: PaymentStatus, attempts: readonly AttemptView[]): PaymentStatus {
  const decider = decidingAttempt(attempts);
  if (!decider || decider.status === current) return current;
  return canPaymentTransition(current, decider.status) ? decider.status : current;
}
