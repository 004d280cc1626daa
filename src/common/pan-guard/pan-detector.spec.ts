import { containsPan, findPanPaths, luhnValid } from './pan-detector';

describe('luhnValid', () => {
  it.each([
    '4242424242424242',
    '4111111111111111',
    '5555555555554444',
    '378282246310005',
    '6011111111111117',
    '79927398713',
  ])('accepts %s', (n) => {
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
    ['a Luhn-valid run glued to letters inside a Wompi card token', 'tok_test_27050_3E948382407574026F31BcCf8e4Dd83A'],
    ['digits glued to letters', 'ORDER4242424242424242'],
    ['digits glued to letters on the right', '4242424242424242abc'],
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
    expect(
      findPanPaths({
        reference: 'order-1234567890123',
        payment_method: { type: 'CARD', token: 'tok_test_12345_ABCDEF', installments: 1 },
      }),
    ).toEqual([]);
  });

  it('handles a bare string body', () => {
    expect(findPanPaths('4242424242424242')).toEqual(['(body)']);
  });
});

/** Test cards (docs/wompi.md#sandbox-test-data, plus the common brands' published test numbers) as printed: groups of digits. */
const CARDS: Record<string, string[]> = {
  'Visa 4242 (sandbox APPROVED)': ['4242', '4242', '4242', '4242'],
  'Visa 4111 (sandbox DECLINED)': ['4111', '1111', '1111', '1111'],
  'Mastercard 5555': ['5555', '5555', '5555', '4444'],
  'Mastercard 2-series': ['2223', '0031', '2200', '3222'],
  'Amex 3782 822463 10005': ['3782', '822463', '10005'],
  'Amex 3714 496353 98431': ['3714', '496353', '98431'],
  'Diners 3056 930902 5904': ['3056', '930902', '5904'],
  'Diners 3622 720627 1667': ['3622', '720627', '1667'],
  'Discover 6011': ['6011', '1111', '1111', '1117'],
  'Visa 19 digits': ['4000', '0000', '0000', '0000', '006'],
  'Visa 13 digits': ['4222', '2222', '22222'],
};

const formats: [string, (g: string[]) => string][] = [
  ['plain', (g) => g.join('')],
  ['spaces', (g) => g.join(' ')],
  ['dashes', (g) => g.join('-')],
  ['inside text', (g) => `please charge card ${g.join(' ')} thanks`],
  ['at the end of a sentence', (g) => `card ${g.join('')}.`],
  ['after a colon', (g) => `card:${g.join('')}`],
  ['after an equals sign', (g) => `pan=${g.join('-')}`],
  ['after a quote', (g) => `"${g.join('')}"`],
  ['after an underscore', (g) => `card_${g.join('')}`],
  ['at the string start', (g) => `${g.join(' ')} is my card`],
  ['after a token-like prefix', (g) => `tok_${g.join('')}`],
  ['as the merchant part of a token', (g) => `tok_test_${g.join('')}_3E948382407574026F31BcCf8e4Dd83A`],
  ['dash-joined to a transaction-id tail', (g) => `${g.join(' ')}-1635300853-71494`],
  ['in raw JSON', (g) => `{"notes":${g.join('')}}`],
];

describe('every test card in every common formatting is caught', () => {
  const cases = Object.entries(CARDS).flatMap(([card, groups]) =>
    formats.map(([how, fmt]) => [card, how, fmt(groups)] as const),
  );
  it.each(cases)('%s, %s', (_card, _how, text) => {
    expect(containsPan(text)).toBe(true);
  });

  it.each(Object.entries(CARDS).filter(([, g]) => Number(g.join('')) <= Number.MAX_SAFE_INTEGER))(
    '%s as a JSON number, and in a field named token',
    (_card, groups) => {
      expect(findPanPaths({ metadata: { n: Number(groups.join('')) } })).toEqual(['metadata.n']);
      expect(findPanPaths({ payment_method: { type: 'CARD', token: groups.join('') } })).toEqual([
        'payment_method.token',
      ]);
    },
  );

  it('a Wompi token beside a card number does not hide the card', () => {
    expect(containsPan('tok_test_27050_3E948382407574026F31BcCf8e4Dd83A 4242 4242 4242 4242')).toBe(true);
    expect(containsPan('113879-1635300853-71494 card 4242424242424242')).toBe(true);
  });
});
