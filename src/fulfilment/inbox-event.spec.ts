import { inboxStatusFor } from './apply-inbox-event';
import { parseInboxEvent, PoisonEvent } from './inbox-event';

const tx = {
  id: '15113-1700000000-12345',
  created_at: '2025-11-22T10:00:00.000Z',
  finalized_at: '2025-11-22T10:00:01.000Z',
  amount_in_cents: 4_990_000,
  reference: 'order-1',
  customer_email: 'buyer@example.com',
  currency: 'COP',
  payment_method_type: 'CARD',
  payment_method: { type: 'CARD', extra: {} },
  status: 'APPROVED' as const,
  status_message: null,
};

describe('parseInboxEvent', () => {
  it('reads the transaction of a transaction.updated', () => {
    const work = parseInboxEvent('transaction.updated', { event: 'transaction.updated', data: { transaction: tx } });
    expect(work).toEqual({ kind: 'transaction', tx });
  });

  it('has nothing to fulfil for token events', () => {
    expect(parseInboxEvent('nequi_token.updated', { data: { nequi_token: {} } }).kind).toBe('no_op');
    expect(parseInboxEvent('bancolombia_transfer_token.updated', { data: {} }).kind).toBe('no_op');
  });

  it('marks other event types unsupported', () => {
    expect(parseInboxEvent('payout.updated', { data: {} })).toEqual({
      kind: 'unsupported',
      reason: 'unsupported event type payout.updated',
    });
  });

  it('is poison when the transaction is missing', () => {
    expect(() => parseInboxEvent('transaction.updated', { data: {} })).toThrow(PoisonEvent);
    expect(() => parseInboxEvent('transaction.updated', null)).toThrow(PoisonEvent);
    expect(() => parseInboxEvent('transaction.updated', { data: { transaction: [] } })).toThrow(PoisonEvent);
  });

  it('is poison with wrong types, naming every bad field', () => {
    const bad = { ...tx, id: 42, amount_in_cents: '4990000', status: 'DONE', currency: '' };
    let thrown: unknown;
    try {
      parseInboxEvent('transaction.updated', { data: { transaction: bad } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PoisonEvent);
    const message = (thrown as Error).message;
    for (const field of ['id', 'amount_in_cents', 'status', 'currency']) expect(message).toContain(field);
  });

  it('refuses fractional or non-positive amounts', () => {
    expect(() =>
      parseInboxEvent('transaction.updated', { data: { transaction: { ...tx, amount_in_cents: 10.5 } } }),
    ).toThrow(/amount_in_cents/);
    expect(() =>
      parseInboxEvent('transaction.updated', { data: { transaction: { ...tx, amount_in_cents: 0 } } }),
    ).toThrow(/amount_in_cents/);
  });
});

describe('inboxStatusFor', () => {
  it('records applied, repeated and stale reports as processed', () => {
    for (const o of ['changed', 'unchanged', 'stale'] as const)
      expect(inboxStatusFor(o, tx)).toEqual({ status: 'PROCESSED', lastError: null });
  });

  it('ignores reports for payments we do not know, saying why', () => {
    expect(inboxStatusFor('unknown_payment', tx)).toEqual({
      status: 'IGNORED',
      lastError: expect.stringContaining('unknown_payment'),
    });
  });

  it('dead-letters reports contradicting a final status (anomaly recorded) instead of retrying them', () => {
    expect(inboxStatusFor('contradiction', tx)).toEqual({
      status: 'DEAD',
      lastError: expect.stringMatching(/^contradiction: Wompi reports APPROVED/),
    });
  });

  it('dead-letters refused (mismatching) reports instead of retrying them', () => {
    expect(inboxStatusFor('mismatch', tx)).toEqual({ status: 'DEAD', lastError: expect.stringContaining('mismatch') });
  });
});

describe('parseInboxEvent with event types named like Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    '%s is an unsupported type, not a no-op found on the prototype',
    (type) => {
      expect(parseInboxEvent(type, {})).toEqual({ kind: 'unsupported', reason: `unsupported event type ${type}` });
    },
  );
});
