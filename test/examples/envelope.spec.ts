/* The sample consumer's envelope check and ordering rule (pure logic). */
import { randomUUID } from 'node:crypto';
import { parseEnvelope, RANK_BY_STATUS, versionOf } from '../../examples/consumer/envelope';
import { FINAL_STATUSES, PAYMENT_STATUSES, PaymentStatus } from '../../src/transactions/payment-status';
import { canPaymentTransition } from '../../src/transactions/state-machine';

const event = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => {
  const id = randomUUID();
  return {
    specversion: '1.0',
    id,
    source: '/payments-service',
    type: 'transaction.approved',
    subject: 'order-1',
    time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json',
    data: { id: randomUUID(), reference: 'order-1', status: 'APPROVED', amount_in_cents: 4990000, ...data },
    ...over,
  };
};
const parse = (e: unknown, messageId?: string) =>
  parseEnvelope(Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)), messageId);

describe('examples/consumer envelope', () => {
  it('accepts a payment CloudEvent and keeps only what the consumer uses', () => {
    const e = event();
    const r = parse(e, e.id);
    expect(r).toEqual({
      ok: true,
      event: { id: e.id, type: e.type, subject: e.subject, time: e.time, data: e.data },
    });
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['an array', [], /not an object/],
    ['another specversion', event({ specversion: '0.3' }), /specversion/],
    ['an id that is not a UUID', event({ id: 'x' }), /id is not a UUID/],
    ['a type this consumer does not handle', event({ type: 'transaction.external' }), /not a payment event/],
    ['no data', event({ data: null }), /data is not an object/],
    ['data.status not matching the type', event({}, { status: 'DECLINED' }), /data.status DECLINED/],
    ['a non-integer amount', event({}, { amount_in_cents: '10' }), /amount_in_cents/],
  ])('refuses %s (poison)', (_what, body, reason) => {
    const r = parse(body);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it('refuses a message whose message-id is not the CloudEvent id', () => {
    expect(parse(event(), randomUUID())).toEqual({ ok: false, reason: 'message-id differs from id' });
  });

  it("holds the ordering rule against the service's state machine: every reachable later status ranks higher", () => {
    // every status an event announces has a rank
    expect([...FINAL_STATUSES].sort()).toEqual(Object.keys(RANK_BY_STATUS).sort());
    // from each announced status, every announced status reachable by any path ranks strictly
    // higher: a newer event of a payment always has the higher version
    const reachable = (from: PaymentStatus): Set<PaymentStatus> => {
      const seen = new Set<PaymentStatus>();
      const todo = [from];
      while (todo.length) {
        const s = todo.pop()!;
        for (const to of PAYMENT_STATUSES)
          if (canPaymentTransition(s, to) && !seen.has(to)) {
            seen.add(to);
            todo.push(to);
          }
      }
      return seen;
    };
    const wrong: string[] = [];
    for (const from of FINAL_STATUSES)
      for (const to of reachable(from))
        if (FINAL_STATUSES.includes(to) && !(RANK_BY_STATUS[to] > RANK_BY_STATUS[from])) wrong.push(`${from}->${to}`);
    expect(wrong).toEqual([]);
    const voided = parse(event({ type: 'transaction.voided' }, { status: 'VOIDED' }));
    expect(voided.ok && versionOf(voided.event)).toBe(3);
  });
});
