import { PaymentStatus } from '../transactions/payment-status';
import { canAttemptTransition, isContradiction, isFinal } from '../transactions/state-machine';
import { WompiTransaction } from '../wompi/wompi.types';
import { DiscrepancyKind } from './reconciliation-discrepancy.entity';

/** Our side of one Wompi transaction: the payment carrying its reference, and our attempt for its id. */
export interface LocalSide {
  payment?: { amountInCents: number; currency: string; status: PaymentStatus };
  /** our attempt for this Wompi transaction id (absent: we never heard of this transaction) */
  attemptStatus?: PaymentStatus;
}

export type Verdict =
  | { action: 'match' }
  /** safe to apply through the state machine: Wompi confirms a later step of the same lifecycle */
  | { action: 'heal' }
  | { action: 'report'; kind: DiscrepancyKind; detail: string };

/**
 * What to do about one Wompi transaction of the listing. Only what the state machine would
 * take anyway is healed: a transaction we do not know yet for a reference we issued, or a
 * final status that follows the one we recorded (PENDING/UNKNOWN → final, APPROVED → VOIDED).
 * Money that disagrees, and Wompi saying something the machine refuses, go to a person.
 */
export function compare(tx: WompiTransaction, local: LocalSide): Verdict {
  const p = local.payment;
  if (!p)
    return {
      action: 'report',
      kind: 'unknown_reference',
      detail: 'Wompi has a transaction whose reference this service never issued',
    };
  if (Number(tx.amount_in_cents) !== Number(p.amountInCents))
    return {
      action: 'report',
      kind: 'amount_mismatch',
      detail: `Wompi charged ${tx.amount_in_cents} cents, our payment is for ${p.amountInCents}; not applied`,
    };
  if (tx.currency !== p.currency)
    return {
      action: 'report',
      kind: 'currency_mismatch',
      detail: `Wompi charged in ${tx.currency}, our payment is in ${p.currency}; not applied`,
    };

  const ours = local.attemptStatus;
  const theirs = tx.status as PaymentStatus;
  if (ours === theirs) return { action: 'match' };
  if (ours === undefined) return { action: 'heal' };
  if (isFinal(theirs) && canAttemptTransition(ours, theirs)) return { action: 'heal' };
  if (isContradiction(ours, theirs))
    return {
      action: 'report',
      kind: 'status_contradiction',
      detail: `we recorded ${ours}, Wompi now says ${theirs}: two different final outcomes; not applied`,
    };
  return {
    action: 'report',
    kind: 'status_mismatch',
    detail: `we recorded ${ours}, Wompi says ${theirs}, which does not follow it; not applied`,
  };
}
