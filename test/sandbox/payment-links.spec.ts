import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, Json, MESSAGES, Reply, startFast } from './helpers';

/** POST / PATCH /payment_links validation (docs/wompi.md#payment-links, #errors shapes). */
describe('sandbox: payment links validation', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const BASE = {
    name: 'Camiseta',
    description: 'Talla M',
    single_use: false,
    collect_shipping: false,
    currency: 'COP',
  };
  const create = (over: Json): Promise<Reply> =>
    call(sb, 'POST', '/payment_links', { key: sb.keys.privateKey, body: { ...BASE, ...over } });
  const invalid = (messages: Json) => ({ error: { type: 'INPUT_VALIDATION_ERROR', messages } });

  it('accepts every documented optional field when well formed (and echoes them)', async () => {
    const body = {
      amount_in_cents: 5_000_000,
      expires_at: '2030-12-31T23:59:59.000Z',
      redirect_url: 'https://tienda.example.com/gracias',
      image_url: 'https://tienda.example.com/camiseta.png',
      sku: 'CAM-M-001',
      collect_customer_legal_id: true,
      customer_data: {
        customer_references: [
          { label: 'Número de pedido', is_required: true },
          { label: 'Talla', is_required: false },
        ],
      },
      taxes: [
        { type: 'VAT', amount_in_cents: 798_319 },
        { type: 'CONSUMPTION', percentage: 8 },
      ],
    };
    const r = await create(body);
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject(body);
    expect(
      (await create({ amount_in_cents: null, expires_at: null, taxes: [], customer_data: { customer_references: [] } }))
        .status,
    ).toBe(201);
  });

  it.each<[string, Json, Json]>([
    ['a negative amount', { amount_in_cents: -100 }, { amount_in_cents: ['Debe ser mayor a 0'] }],
    ['a zero amount', { amount_in_cents: 0 }, { amount_in_cents: ['Debe ser mayor a 0'] }],
    ['a fractional amount', { amount_in_cents: 10.5 }, { amount_in_cents: ['No es un número entero'] }],
    [
      'an amount above the maximum',
      { amount_in_cents: 1_000_000_000_001 },
      { amount_in_cents: ['Debe ser menor o igual a 1000000000000'] },
    ],
    ['expires_at "bad"', { expires_at: 'bad' }, { expires_at: [MESSAGES.bad_format] }],
    ['expires_at not in UTC', { expires_at: '2030-12-31T23:59:59-05:00' }, { expires_at: [MESSAGES.bad_format] }],
    ['expires_at as a number', { expires_at: 1893455999 }, { expires_at: [MESSAGES.bad_format] }],
    ['a redirect_url that is not a URL', { redirect_url: 'gracias' }, { redirect_url: [MESSAGES.bad_format] }],
    [
      'a non-boolean collect_customer_legal_id',
      { collect_customer_legal_id: 'yes' },
      { collect_customer_legal_id: ['Debe ser un booleano'] },
    ],
    ['a numeric name', { name: 42 }, { name: ['Debe ser texto'] }],
    [
      'three customer_references',
      { customer_data: { customer_references: [1, 2, 3].map((n) => ({ label: `Ref ${n}`, is_required: false })) } },
      { customer_data: { messages: { customer_references: ['Debe tener máximo 2 elementos'] } } },
    ],
    [
      'customer_references items without the documented fields',
      { customer_data: { customer_references: [{ label: 'Pedido' }, { name: 'x', is_required: 'no' }] } },
      {
        customer_data: {
          messages: {
            customer_references: {
              messages: {
                '0': { messages: { is_required: [MESSAGES.not_present] } },
                '1': { messages: { label: [MESSAGES.not_present], is_required: ['Debe ser un booleano'] } },
              },
            },
          },
        },
      },
    ],
    [
      'customer_references not a list',
      { customer_data: { customer_references: 'Pedido' } },
      { customer_data: { messages: { customer_references: ['Debe ser una lista'] } } },
    ],
    ['customer_data not an object', { customer_data: 'Pedido' }, { customer_data: ['Debe ser un objeto'] }],
    [
      'a tax type other than VAT|CONSUMPTION',
      {
        taxes: [
          { type: 'VAT', amount_in_cents: 100 },
          { type: 'IVA', amount_in_cents: 100 },
        ],
      },
      { taxes: { messages: { '1': { messages: { type: ['Debe ser uno de estos: VAT, CONSUMPTION'] } } } } },
    ],
    [
      'taxes without amount or percentage, or with a bad one',
      {
        taxes: [
          { type: 'VAT' },
          { type: 'CONSUMPTION', amount_in_cents: -1 },
          { type: 'VAT', percentage: 'ocho' },
          'VAT',
        ],
      },
      {
        taxes: {
          messages: {
            '0': { messages: { amount_in_cents: ['Debe enviarse amount_in_cents o percentage'] } },
            '1': { messages: { amount_in_cents: ['Debe ser mayor a 0'] } },
            '2': { messages: { percentage: ['Debe ser un número'] } },
            '3': ['Debe ser un objeto'],
          },
        },
      },
    ],
    ['taxes not a list', { taxes: { type: 'VAT', amount_in_cents: 100 } }, { taxes: ['Debe ser una lista'] }],
  ])('refuses %s with 422 INPUT_VALIDATION_ERROR', async (_what, over, messages) => {
    const r = await create(over);
    expect(r.status).toBe(422);
    expect(r.body).toEqual(invalid(messages));
  });

  it('reports every problem at once, required fields first', async () => {
    const r = await call(sb, 'POST', '/payment_links', {
      key: sb.keys.privateKey,
      body: { currency: 'USD', amount_in_cents: -1, expires_at: 'bad', taxes: [{ type: 'IVA', percentage: 19 }] },
    });
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.error.messages)).toEqual([
      'name',
      'description',
      'single_use',
      'collect_shipping',
      'currency',
      'amount_in_cents',
      'expires_at',
      'taxes',
    ]);
  });

  describe('PATCH /payment_links/{id}', () => {
    const patch = (id: string, body: unknown) =>
      call(sb, 'PATCH', `/payment_links/${id}`, { key: sb.keys.privateKey, body });

    it('only `active` is documented: unknown fields are refused by name and nothing changes', async () => {
      const link = (await create({ amount_in_cents: 5_000_000 })).body.data;
      const r = await patch(link.id, { name: 'nuevo' });
      expect(r.status).toBe(422);
      expect(r.body).toEqual(invalid({ active: [MESSAGES.not_present], name: ['No es un campo permitido'] }));
      const mixed = await patch(link.id, { active: false, name: 'nuevo', amount_in_cents: 1 });
      expect(mixed.status).toBe(422);
      expect(mixed.body).toEqual(
        invalid({ name: ['No es un campo permitido'], amount_in_cents: ['No es un campo permitido'] }),
      );
      const got = await call(sb, 'GET', `/payment_links/${link.id}`, { key: sb.keys.privateKey });
      expect(got.body.data).toEqual(link);
    });

    it('`active` must be a boolean; a good PATCH changes it and updated_at', async () => {
      const link = (await create({})).body.data;
      expect((await patch(link.id, { active: 'no' })).body).toEqual(invalid({ active: ['Debe ser un booleano'] }));
      expect((await patch(link.id, {})).body).toEqual(invalid({ active: [MESSAGES.not_present] }));
      const off = await patch(link.id, { active: false });
      expect(off.status).toBe(200);
      expect(off.body.data).toMatchObject({ id: link.id, active: false, name: link.name });
      expect(Date.parse(off.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(link.updated_at));
      expect((await patch('test_nope00', { active: false })).status).toBe(404);
    });
  });
});
