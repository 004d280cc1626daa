import { WompiTransaction } from '../wompi/wompi.types';
import { compare } from './compare';

const tx = (over: Partial<WompiTransaction> = {}): WompiTransaction =>
  ({
    id: '1-1-1',
    created_at: '2025-11-20T10:00:00.000Z',
    finalized_at: null,
    amount_in_cents: 150000,
    reference: 'r',
    customer_email: null,
    currency: 'COP',
    payment_method_type: 'CARD',
    payment_method: { type: 'CARD' },
    status: 'APPROVED',
    status_message: null,
    redirect_url: null,
    payment_source_id: null,
    payment_link_id: null,
    ...over,
  }) as WompiTransaction;
const payment = { amountInCents: 150000, currency: 'COP', status: 'PENDING' as const };

describe('compare (one Wompi transaction against our books)', () => {
  it('reports a reference we never issued', () => {
    expect(compare(tx(), {})).toMatchObject({ action: 'report', kind: 'unknown_reference' });
  });

  it('reports money that disagrees before looking at the status, and never heals it', () => {
    expect(compare(tx({ amount_in_cents: 1 }), { payment, attemptStatus: 'PENDING' })).toMatchObject({
      action: 'report',
      kind: 'amount_mismatch',
    });
    expect(compare(tx({ currency: 'USD' }), { payment, attemptStatus: 'PENDING' })).toMatchObject({
      action: 'report',
      kind: 'currency_mismatch',
    });
  });

  it.each([
    ['PENDING', 'APPROVED'],
    ['PENDING', 'DECLINED'],
    ['UNKNOWN', 'ERROR'],
    ['APPROVED', 'VOIDED'],
    [undefined, 'APPROVED'],
    [undefined, 'PENDING'],
  ] as const)('heals %s → %s (a later step Wompi confirms)', (ours, theirs) => {
    expect(compare(tx({ status: theirs }), { payment, attemptStatus: ours })).toEqual({ action: 'heal' });
  });

  it.each([
    ['APPROVED', 'DECLINED', 'status_contradiction'],
    ['DECLINED', 'ERROR', 'status_contradiction'],
    ['APPROVED', 'PENDING', 'status_mismatch'],
    ['VOIDED', 'APPROVED', 'status_mismatch'],
  ] as const)('reports %s here and %s at Wompi as %s', (ours, theirs, kind) => {
    expect(compare(tx({ status: theirs }), { payment, attemptStatus: ours })).toMatchObject({ action: 'report', kind });
  });

  it('matches equal statuses', () => {
    expect(compare(tx({ status: 'DECLINED' }), { payment, attemptStatus: 'DECLINED' })).toEqual({ action: 'match' });
  });
});
