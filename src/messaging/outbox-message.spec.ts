import { stableEventId } from './outbox-writer';
import { CLOUDEVENTS_CONTENT_TYPE, describeError, retryDelayMs, toBusMessage } from './outbox-message';

describe('toBusMessage', () => {
  const id = stableEventId('payment-1:APPROVED');
  const payload = {
    specversion: '1.0',
    id,
    source: '/payments-service',
    type: 'transaction.approved',
    subject: 'order-1',
    time: '2025-11-22T10:00:00.000Z',
    datacontenttype: 'application/json',
    data: { reference: 'order-1', metadata: { order: 1 } },
  };

  it('carries the whole CloudEvent as the body (structured mode) with message-id = CloudEvent id', () => {
    const m = toBusMessage({ id: '7', eventId: id, routingKey: 'transaction.approved', payload });
    expect(m.id).toBe(id);
    expect(m.routingKey).toBe('transaction.approved');
    expect(m.contentType).toBe(CLOUDEVENTS_CONTENT_TYPE);
    expect(JSON.parse(m.body.toString('utf8'))).toEqual(payload);
  });

  it('is the same message every time for one row (redeliveries dedupe)', () => {
    const row = { id: '7', eventId: id, routingKey: 'transaction.approved', payload };
    expect(toBusMessage(row)).toEqual(toBusMessage(row));
  });

  it('refuses a row whose CloudEvent id disagrees with its event_id', () => {
    expect(() =>
      toBusMessage({ id: '7', eventId: stableEventId('other'), routingKey: 'transaction.approved', payload }),
    ).toThrow(/differs/);
  });
});

describe('stableEventId', () => {
  it('is a deterministic UUID-shaped id per dedupe key', () => {
    expect(stableEventId('a:APPROVED')).toBe(stableEventId('a:APPROVED'));
    expect(stableEventId('a:APPROVED')).not.toBe(stableEventId('a:VOIDED'));
    expect(stableEventId('a:APPROVED')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1000, 60_000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(10, 1000, 60_000)).toBe(60_000);
    expect(retryDelayMs(500, 1000, 60_000)).toBe(60_000);
    expect(retryDelayMs(0, 1000, 60_000)).toBe(1000);
  });
});

describe('describeError', () => {
  it('is short and names the error', () => {
    expect(describeError(new TypeError('boom'))).toBe('TypeError: boom');
    expect(describeError(new Error('x'.repeat(2000))).length).toBe(500);
  });
});
