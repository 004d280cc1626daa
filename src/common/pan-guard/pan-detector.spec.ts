import { containsPan, findPanPaths, luhnValid } from './pan-detector';

describe('luhnValid', () => {
  it.each(['4242424242424242', '4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '79927398713'])('accepts %s', (n) => {
    expect(luhnValid(n)).toBe(true);
  });

  it.each(['4242424242424241', '1234567812345678', '79927398710', '', '4242x42424242424'])('refuses %p', (n) => {
    expect(luhnValid(n)).toBe(false);
  });
});

describe('containsPan', () => {
  it.each([
    ['plain 16 digits', '4242424242424242'],
    ['spaces', '4242 4242 4242 4242'],
    ['dashes', '4111-1111-1111-1111'],
    ['Amex 4-6-5', '3782 822463 10005'],
    ['inside text', 'card: 4242 4242 4242 4242 thanks'],
    ['followed by an expiry', '4242 4242 4242 4242 12 26 123'],
    ['glued to letters', 'ORDER4242424242424242'],
    ['19 digits', '4000000000000000006'],
    ['13-digit Visa', '4222222222222'],
  ])('flags %s', (_what, text) => {
    expect(containsPan(text)).toBe(true);
  });

  it.each([
    ['16 digits failing Luhn', '4242424242424241'],
    ['the same with separators', '4242 4242 4242 4241'],
    ['a long numeric id', '4242424242424242424242424'],
    ['a 25-digit id that contains a valid PAN', '9424242424242424200000001'],
    ['a Colombian mobile number', '+57 300 123 4567'],
    ['a mobile number without separators', '573001234567'],
    ['a zero-padded id', '0000000000000000'],
    ['an epoch-ms timestamp (13 digits, Luhn-valid)', '1763700000005'],
    ['a UUID', '3f2b9c1e-8d4a-4b7e-9c61-2a8d4e7f1b90'],
    ['an amount', '150000'],
    ['a date', '2026-01-31T12:00:00Z'],
    ['an id made of a pid and a timestamp (Luhn-valid when joined)', 'taken-key-26804-1795320672008-12'],
    ['a date and an 8-digit number', '20241231-12345606'],
  ])('does not flag %s', (_what, text) => {
    expect(containsPan(text)).toBe(false);
  });

  it('timestamp case is Luhn-valid (so the 13-digit rule is what keeps it out)', () => {
    expect(luhnValid('1763700000005')).toBe(true);
  });
});

describe('findPanPaths', () => {
  it('names nested string and number fields by dotted path', () => {
    const body = {
      amount_in_cents: 150000,
      customer_data: { full_name: 'Ana', phone_number: '3001234567' },
      metadata: { notes: 'pay with 4242 4242 4242 4242', items: [{ sku: 'A1' }, { card: 4111111111111111 }] },
    };
    expect(findPanPaths(body).sort()).toEqual(['metadata.items.1.card', 'metadata.notes']);
  });

  it('reports a key that looks like a card number by its parent path, never the key', () => {
    expect(findPanPaths({ metadata: { '4242424242424242': true } })).toEqual(['metadata']);
  });

  it('finds nothing in a clean body', () => {
    expect(findPanPaths({ reference: 'order-1234567890123', payment_method: { type: 'CARD', token: 'tok_test_12345_ABCDEF', installments: 1 } })).toEqual([]);
  });

  it('handles a bare string body', () => {
    expect(findPanPaths('4242424242424242')).toEqual(['(body)']);
  });
});
