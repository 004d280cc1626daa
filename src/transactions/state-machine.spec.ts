import { PAYMENT_STATUSES, PaymentStatus } from './payment-status';
import {
  canAttemptTransition,
  canPaymentTransition,
  decidingAttempt,
  isContradiction,
  isDuplicateApproval,
  isRefusedFinalMove,
  nextPaymentStatus,
} from './state-machine';

const at = (status: PaymentStatus, ms: number) => ({ id: `${status}-${ms}`, status, updatedAt: new Date(ms) });

describe('state machine', () => {
  it('moves an attempt from PENDING to each final status and APPROVED to VOIDED', () => {
    expect(canAttemptTransition('PENDING', 'APPROVED')).toBe(true);
    expect(canAttemptTransition('PENDING', 'DECLINED')).toBe(true);
    expect(canAttemptTransition('PENDING', 'ERROR')).toBe(true);
    expect(canAttemptTransition('APPROVED', 'VOIDED')).toBe(true);
  });

  it('never regresses a final attempt', () => {
    for (const from of ['APPROVED', 'DECLINED', 'ERROR', 'VOIDED'] as PaymentStatus[]) {
      expect(canAttemptTransition(from, 'PENDING')).toBe(false);
      expect(canAttemptTransition(from, 'UNKNOWN')).toBe(false);
    }
    expect(canAttemptTransition('APPROVED', 'DECLINED')).toBe(false);
    expect(canAttemptTransition('VOIDED', 'APPROVED')).toBe(false);
    expect(canAttemptTransition('DECLINED', 'APPROVED')).toBe(false);
  });

  it('lets an UNKNOWN attempt resolve to any Wompi status', () => {
    for (const to of ['PENDING', 'APPROVED', 'DECLINED', 'ERROR'] as PaymentStatus[])
      expect(canAttemptTransition('UNKNOWN', to)).toBe(true);
  });

  it('allows only VOID from APPROVED voiding for cards, nothing out of VOIDED', () => {
    for (const to of PAYMENT_STATUSES) expect(canPaymentTransition('VOIDED', to)).toBe(false);
    expect(canPaymentTransition('APPROVED', 'DECLINED')).toBe(false);
    expect(canPaymentTransition('APPROVED', 'PENDING')).toBe(false);
  });

  it('lets an APPROVED buyer retry win over an earlier DECLINED attempt', () => {
    expect(nextPaymentStatus('DECLINED', [at('DECLINED', 1), at('APPROVED', 2)])).toBe('APPROVED');
    // and an older DECLINED arriving after does not move it back
    expect(nextPaymentStatus('APPROVED', [at('APPROVED', 1), at('DECLINED', 2)])).toBe('APPROVED');
  });

  it('keeps a DECLINED payment while a retry attempt is still PENDING', () => {
    expect(nextPaymentStatus('DECLINED', [at('DECLINED', 1), at('PENDING', 2)])).toBe('DECLINED');
  });

  it('lets the latest of DECLINED/ERROR decide and never turns DECLINED into ERROR', () => {
    expect(decidingAttempt([at('DECLINED', 1), at('ERROR', 2)])!.status).toBe('ERROR');
    expect(nextPaymentStatus('DECLINED', [at('DECLINED', 1), at('ERROR', 2)])).toBe('DECLINED');
    expect(nextPaymentStatus('PENDING', [at('DECLINED', 1), at('ERROR', 2)])).toBe('ERROR');
  });

  it('resolves UNKNOWN payments once the attempt is known', () => {
    expect(nextPaymentStatus('UNKNOWN', [at('PENDING', 1)])).toBe('PENDING');
    expect(nextPaymentStatus('UNKNOWN', [at('APPROVED', 1)])).toBe('APPROVED');
    expect(nextPaymentStatus('UNKNOWN', [])).toBe('UNKNOWN');
  });

  it('calls a different, disallowed final status a contradiction, but not a late earlier step or a regression to PENDING', () => {
    for (const [from, to] of [
      ['DECLINED', 'APPROVED'],
      ['ERROR', 'APPROVED'],
      ['APPROVED', 'DECLINED'],
      ['APPROVED', 'ERROR'],
      ['DECLINED', 'ERROR'],
      ['ERROR', 'DECLINED'],
      ['VOIDED', 'DECLINED'],
      ['DECLINED', 'VOIDED'],
    ] as [PaymentStatus, PaymentStatus][]) {
      expect([from, to, isContradiction(from, to)]).toEqual([from, to, true]);
    }
    for (const [from, to] of [
      ['VOIDED', 'APPROVED'],
      ['APPROVED', 'VOIDED'],
      ['APPROVED', 'APPROVED'],
      ['APPROVED', 'PENDING'],
      ['DECLINED', 'PENDING'],
      ['PENDING', 'APPROVED'],
      ['UNKNOWN', 'DECLINED'],
    ] as [PaymentStatus, PaymentStatus][]) {
      expect([from, to, isContradiction(from, to)]).toEqual([from, to, false]);
    }
  });

  it('flags an APPROVED attempt on a VOIDED payment, not a buyer retry or a later failed attempt', () => {
    expect(isRefusedFinalMove('VOIDED', [at('VOIDED', 1), at('APPROVED', 2)])).toBe(true);
    expect(isRefusedFinalMove('DECLINED', [at('DECLINED', 1), at('APPROVED', 2)])).toBe(false);
    expect(isRefusedFinalMove('APPROVED', [at('APPROVED', 1), at('DECLINED', 2)])).toBe(false);
    expect(isRefusedFinalMove('DECLINED', [at('DECLINED', 1), at('ERROR', 2)])).toBe(false);
  });

  it('lets a different attempt approve a DECLINED or ERROR payment, whatever order the reports come in', () => {
    for (const failed of ['DECLINED', 'ERROR'] as PaymentStatus[]) {
      // the failure first, then the retry's approval: the payment moves to APPROVED
      expect(nextPaymentStatus(failed, [at(failed, 1), at('APPROVED', 2)])).toBe('APPROVED');
      // the approval first, then the other attempt's failure (late, or a retry after an approval): stays APPROVED
      expect(nextPaymentStatus('APPROVED', [at('APPROVED', 1), at(failed, 2)])).toBe('APPROVED');
      expect(nextPaymentStatus('APPROVED', [at(failed, 1), at('APPROVED', 2)])).toBe('APPROVED');
      // the same Wompi transaction changing its final status is another matter: a contradiction
      expect(isContradiction(failed, 'APPROVED')).toBe(true);
    }
  });

  it('calls a second approved attempt a duplicate approval, and nothing else', () => {
    const second = at('APPROVED', 2);
    expect(isDuplicateApproval(second, [at('APPROVED', 1), second])).toBe(true);
    // the payment was voided after its approval: still a second charge
    expect(isDuplicateApproval(second, [at('VOIDED', 1), second])).toBe(true);
    // a buyer retry after failures, a lone approval, an approval then failures
    expect(isDuplicateApproval(second, [at('DECLINED', 1), at('ERROR', 3), second])).toBe(false);
    expect(isDuplicateApproval(second, [second])).toBe(false);
    expect(isDuplicateApproval(at('DECLINED', 3), [at('APPROVED', 1), at('DECLINED', 3)])).toBe(false);
    expect(isDuplicateApproval(at('VOIDED', 3), [at('APPROVED', 1), at('VOIDED', 3)])).toBe(false);
    // a PENDING retry is not (yet) a second charge
    expect(isDuplicateApproval(at('PENDING', 3), [at('APPROVED', 1), at('PENDING', 3)])).toBe(false);
  });

  it('voids an approved payment when its attempt is voided', () => {
    expect(nextPaymentStatus('APPROVED', [at('VOIDED', 3)])).toBe('VOIDED');
  });

  it('EXPIRED (our give-up): only from PENDING; a later APPROVED attempt still wins, a later failure leaves it', () => {
    expect(canPaymentTransition('PENDING', 'EXPIRED')).toBe(true);
    for (const from of ['UNKNOWN', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED'] as PaymentStatus[])
      expect(canPaymentTransition(from, 'EXPIRED')).toBe(false);
    for (const from of PAYMENT_STATUSES) expect(canAttemptTransition(from, 'EXPIRED')).toBe(false);
    expect(nextPaymentStatus('EXPIRED', [at('APPROVED', 2)])).toBe('APPROVED');
    expect(nextPaymentStatus('EXPIRED', [at('DECLINED', 2)])).toBe('EXPIRED');
    expect(isRefusedFinalMove('EXPIRED', [at('DECLINED', 2)])).toBe(false);
    // nothing moves a PENDING payment to EXPIRED by itself: the poller decides
    expect(nextPaymentStatus('PENDING', [at('PENDING', 1)])).toBe('PENDING');
  });
});
