import * as v from './wompi-response.validators';
import { ShapeError } from './wompi-response.validators';
import { txFixture } from '../../test/wompi/support';

describe('response validators', () => {
  it('accept a real transaction and keep unknown fields', () => {
    const t = v.transaction(txFixture());
    expect(t).toMatchObject({ id: '15113-1755396264-52249', status: 'PENDING', amount_in_cents: 500000, taxes: [] });
  });

  it('read absent optional fields as null', () => {
    const { redirect_url: _r, payment_link_id: _p, status_message: _s, ...rest } = txFixture();
    expect(v.transaction(rest)).toMatchObject({ redirect_url: null, payment_link_id: null, status_message: null });
  });

  it.each([
    ['a string amount', { amount_in_cents: '500000' }, 'data.amount_in_cents must be an integer'],
    ['a float amount', { amount_in_cents: 1.5 }, 'data.amount_in_cents must be an integer'],
    ['an unknown status', { status: 'SETTLED' }, 'data.status must be one of'],
    ['a missing id', { id: undefined }, 'data.id must be a non-empty string'],
    ['a numeric reference', { reference: 42 }, 'data.reference must be a non-empty string'],
    ['a payment_method without type', { payment_method: {} }, 'data.payment_method.type'],
  ])('reject %s, naming the field but not the value', (_n, over, msg) => {
    expect(() => v.transaction(txFixture(over))).toThrow(ShapeError);
    expect(() => v.transaction(txFixture(over))).toThrow(msg);
  });

  it('require the data envelope', () => {
    expect(() => v.dataOf({ status: 'ok' })).toThrow('data is missing');
    expect(() => v.dataOf([])).toThrow('body must be an object');
    expect(v.dataOf({ data: [1] })).toEqual([1]);
  });

  it('validate every element of a transaction list', () => {
    expect(v.transactionList([txFixture(), txFixture({ id: 'b' })])).toHaveLength(2);
    expect(() => v.transactionList([txFixture(), txFixture({ status: 1 })])).toThrow('data[1].status');
    expect(() => v.transactionList({})).toThrow('data must be a list');
  });

  it('validate a void result (status + nested transaction)', () => {
    expect(
      v.voidResult({ status: 'APPROVED', status_message: null, transaction: txFixture({ status: 'APPROVED' }) }).status,
    ).toBe('APPROVED');
    expect(() => v.voidResult({ status: 'APPROVED' })).toThrow('data.transaction must be an object');
  });

  it('validate card and nequi tokens', () => {
    const card = {
      id: 'tok_test_1_abc',
      created_at: 'x',
      brand: 'VISA',
      name: 'VISA-4242',
      last_four: '4242',
      bin: '424242',
      exp_year: '26',
      exp_month: '02',
      card_holder: 'Ana',
      expires_at: 'y',
    };
    expect(v.cardToken(card).last_four).toBe('4242');
    expect(() => v.cardToken({ ...card, last_four: 4242 })).toThrow('data.last_four');
    expect(v.nequiToken({ id: 'nequi_test_1', status: 'PENDING', phone_number: '3991111111' })).toEqual({
      id: 'nequi_test_1',
      status: 'PENDING',
      phone_number: '3991111111',
    });
    expect(() => v.nequiToken({ id: 'n', status: 'MAYBE', phone_number: '3' })).toThrow('data.status');
  });

  it('validate the PSE institution list', () => {
    expect(
      v.pseInstitutions([{ financial_institution_code: '1', financial_institution_name: 'Banco que aprueba' }]),
    ).toHaveLength(1);
    expect(() => v.pseInstitutions([{ financial_institution_code: 1, financial_institution_name: 'x' }])).toThrow(
      'data[0].financial_institution_code',
    );
  });

  it('validate payment sources and links', () => {
    expect(
      v.paymentSource({
        id: 3891,
        type: 'CARD',
        status: 'AVAILABLE',
        token: 't',
        customer_email: 'a@b.co',
        public_data: { type: 'CARD' },
      }).id,
    ).toBe(3891);
    expect(() => v.paymentSource({ id: '3891', type: 'CARD', status: 'AVAILABLE' })).toThrow(
      'data.id must be an integer',
    );
    const link = {
      id: 'test_abc123',
      active: true,
      name: 'n',
      description: 'd',
      single_use: false,
      collect_shipping: false,
      amount_in_cents: null,
      currency: 'COP',
    };
    expect(v.paymentLink(link).amount_in_cents).toBeNull();
    expect(() => v.paymentLink({ ...link, active: 'yes' })).toThrow('data.active must be a boolean');
  });

  it('validate both presigned tokens of the merchant, each with its own type', () => {
    const m = {
      presigned_acceptance: { acceptance_token: 'a.b.c', permalink: 'https://x/1.pdf', type: 'END_USER_POLICY' },
      presigned_personal_data_auth: {
        acceptance_token: 'd.e.f',
        permalink: 'https://x/2.pdf',
        type: 'PERSONAL_DATA_AUTH',
      },
    };
    expect(v.merchantPresigned(m).personal.acceptance_token).toBe('d.e.f');
    expect(() => v.merchantPresigned({ ...m, presigned_personal_data_auth: undefined })).toThrow(
      'data.presigned_personal_data_auth must be an object',
    );
    expect(() =>
      v.merchantPresigned({ ...m, presigned_acceptance: { ...m.presigned_acceptance, type: 'PERSONAL_DATA_AUTH' } }),
    ).toThrow('data.presigned_acceptance.type');
  });
});
