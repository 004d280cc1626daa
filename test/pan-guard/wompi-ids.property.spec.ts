/* Property: no identifier or token Wompi issues (docs/wompi.md#response-conventions-and-identifiers, in every shape) is taken for a
 * card number, alone, inside text, or in a request body. PAN_PROPERTY_RUNS sets the number of
 * generated values (default 200,000 to keep the unit run short; CI's opt-in run uses 1,000,000). */
import fc from 'fast-check';
import { containsPan, findPanPaths } from '../../src/common/pan-guard/pan-detector';

const RUNS = Number(process.env.PAN_PROPERTY_RUNS ?? 200_000);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('');
const HEX_MIXED = '0123456789abcdefABCDEF'.split('');
const HEX = '0123456789abcdef'.split('');
const DIGIT = '0123456789'.split('');

const chars = (alphabet: string[], min: number, max = min) =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));
const env = fc.constantFrom('test', 'prod', 'stagtest');
const merchant = fc.integer({ min: 1, max: 9_999_999 });

/** every shape, with tails biased towards digits (where a false positive would hide) */
const wompiId = fc.oneof(
  fc
    .tuple(env, merchant, fc.oneof(chars(HEX_MIXED, 32), chars([...HEX_MIXED, ...DIGIT, ...DIGIT], 32)))
    .map(([e, m, t]) => `tok_${e}_${m}_${t}`),
  fc
    .tuple(
      fc.constantFrom('nequi', 'daviplata'),
      env,
      fc.oneof(chars(ALNUM, 32), chars([...ALNUM, ...DIGIT, ...DIGIT, ...DIGIT], 32)),
    )
    .map(([w, e, t]) => `${w}_${e}_${t}`),
  fc
    .tuple(merchant, fc.integer({ min: 1_000_000_000, max: 2_147_483_647 }), chars(DIGIT, 5))
    .map(([m, s, d]) => `1${m}-${s}-${d}`),
  fc.tuple(fc.boolean(), chars(ALNUM, 6)).map(([dash, t]) => (dash ? `test_VPOS_${t}` : `test_${t}`)),
  fc.tuple(chars(HEX, 8), chars(HEX, 4), chars(HEX, 4), chars(HEX, 4), chars(HEX, 12)).map((p) => p.join('-')),
);
/** how the id reaches us: alone, in a sentence, in a URL, quoted */
const placed = fc
  .tuple(wompiId, fc.constantFrom('', 'paid with ', 'id=', '"', 'https://checkout.wompi.co/l/'))
  .map(([id, before]) => `${before}${id}${before === '"' ? '"' : ''}`);

describe('Wompi ids and tokens are never taken for a card number', () => {
  it(`${RUNS.toLocaleString('en')} generated ids and tokens, every shape`, () => {
    fc.assert(
      fc.property(placed, (text) => !containsPan(text)),
      { numRuns: RUNS },
    );
  });

  it('a payment body carrying them (token, source id, transaction id) is clean', () => {
    const body = fc.record({
      payment_method: fc.record({
        type: fc.constant('CARD'),
        token: wompiId,
        installments: fc.integer({ min: 1, max: 36 }),
      }),
      payment_source_id: fc.integer({ min: 1, max: 2_147_483_647 }),
      wompi_transaction_id: wompiId,
    });
    fc.assert(
      fc.property(body, (b) => findPanPaths(b).length === 0),
      { numRuns: Math.ceil(RUNS / 10) },
    );
  });

  it('the token from the field report is accepted', () => {
    expect(containsPan('tok_test_27050_3E948382407574026F31BcCf8e4Dd83A')).toBe(false);
  });
});
