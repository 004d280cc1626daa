import { computeEventChecksum } from '../wompi/signatures';
import { minimiseEvent, minimiseRawBody } from './event-minimiser';

const SECRET = 'test_events_minimiser';

function signed(properties: string[]): Record<string, unknown> {
  const event: Record<string, unknown> = {
    event: 'transaction.updated',
    data: {
      transaction: {
        id: '1-2-3',
        amount_in_cents: 150000,
        reference: 'r-1',
        currency: 'COP',
        status: 'APPROVED',
        customer_email: 'a@b.co',
        customer_data: { full_name: 'Ana', phone_number: '+573001112233' },
        payment_method: { type: 'NEQUI', phone_number: '3001112233', token: 'tok_x' },
      },
    },
    timestamp: 1700000000,
    sent_at: '2023-11-14T22:13:20.000Z',
    environment: 'test',
    signature: { properties },
    extra_top_level: 'dropped',
  };
  (event.signature as Record<string, unknown>).checksum = computeEventChecksum(event as never, SECRET);
  return event;
}

describe('event minimiser', () => {
  it('drops buyer data and keeps what recomputes the checksum', () => {
    const event = signed(['transaction.id', 'transaction.status', 'transaction.amount_in_cents']);
    const kept = minimiseEvent(event);
    expect(JSON.stringify(kept)).not.toMatch(/a@b\.co|Ana|3001112233|tok_x|extra_top_level/);
    expect(kept.data).toEqual({
      transaction: {
        id: '1-2-3',
        amount_in_cents: 150000,
        reference: 'r-1',
        currency: 'COP',
        status: 'APPROVED',
        payment_method: { type: 'NEQUI' },
      },
    });
    expect(computeEventChecksum(kept as never, SECRET)).toBe((event.signature as { checksum: string }).checksum);
  });

  it('keeps a signed property verbatim even when it is personal data (the checksum needs it)', () => {
    const event = signed(['transaction.id', 'transaction.customer_email']);
    const kept = minimiseEvent(event);
    expect((kept.data as { transaction: Record<string, unknown> }).transaction.customer_email).toBe('a@b.co');
    expect(computeEventChecksum(kept as never, SECRET)).toBe((event.signature as { checksum: string }).checksum);
  });

  it('turns anything unreadable into an empty object', () => {
    expect(minimiseRawBody('not json')).toBe('{}');
    expect(minimiseRawBody('[1,2]')).toBe('{}');
  });
});
