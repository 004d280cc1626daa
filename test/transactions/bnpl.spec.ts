/* POST /v1/transactions with BANCOLOMBIA_BNPL (docs/wompi.md#payment-methods, #amounts-references-and-redirects: amount ≥ 10000000 cents),
 * against the sandbox over HTTP: the buyer's page in next_action, the final status arriving
 * by the sandbox's signed webhook, and our 400s naming each bad field. */
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, createBody, sandboxDecide, wompiTransactions } from './support';

type Json = Record<string, unknown>;
type Problem = { status: number; errors?: Record<string, string[]> };

const BNPL_AMOUNT = 10_000_000;
const bnpl = (over: Json = {}): Json => ({
  type: 'BANCOLOMBIA_BNPL',
  name: 'Juana',
  last_name: 'Pérez',
  user_legal_id_type: 'CC',
  user_legal_id: '1999888777',
  phone_number: '3001234567',
  phone_code: '+57',
  payment_description: 'Order 1',
  ...over,
});

describe('POST /v1/transactions: BANCOLOMBIA_BNPL', () => {
  let t: TestApp;
  let api: Api;
  const paymentCount = async () =>
    Number((await pgQuery<{ n: string }>(t.db.url, 'select count(*) as n from payments'))[0].n);

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('answers 201 with the buyer page in next_action; sandbox_status APPROVED arrives by webhook', async () => {
    const r = await api.create(
      await createBody(t.sandbox, {
        amount_in_cents: BNPL_AMOUNT,
        payment_method: bnpl({ sandbox_status: 'APPROVED' }),
      }),
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      status: 'PENDING',
      payment_method_type: 'BANCOLOMBIA_BNPL',
      amount_in_cents: BNPL_AMOUNT,
    });
    const next = r.body.next_action as Json;
    expect(next.url).toMatch(/^https?:\/\/.+\/payment_methods\/redirect\/bnpl\?id=/);
    expect(next.url).toContain(String(r.body.wompi_transaction_id));
    expect(next.steps).toEqual([]);

    // what went to Wompi: every BNPL field, phone_code and sandbox_status passed through
    const [atWompi] = await wompiTransactions(t.sandbox, String(r.body.wompi_reference));
    expect(atWompi.payment_method).toMatchObject({
      type: 'BANCOLOMBIA_BNPL',
      name: 'Juana',
      last_name: 'Pérez',
      user_legal_id_type: 'CC',
      phone_code: '+57',
      sandbox_status: 'APPROVED',
    });

    // no confirm, no poll: only the sandbox's signed webhook moves it
    const final = await api.waitForStatus(String(r.body.id), ['APPROVED']);
    expect(final.finalized_at).toBeTruthy();
    const history = await pgQuery<{ to_status: string; source: string }>(
      t.db.url,
      'select to_status, source from payment_status_history where payment_id = $1 order by id',
      [r.body.id],
    );
    expect(history.find((h) => h.to_status === 'APPROVED')?.source).toBe('webhook');
  });

  it('sandbox_status DECLINED ends DECLINED with a status message', async () => {
    const r = await api.create(
      await createBody(t.sandbox, {
        amount_in_cents: BNPL_AMOUNT,
        payment_method: bnpl({ sandbox_status: 'DECLINED' }),
      }),
    );
    expect(r.status).toBe(201);
    const final = await api.waitForStatus(String(r.body.id), ['DECLINED']);
    expect(final.status_message).toBeTruthy();
  });

  it('without sandbox_status waits for the payer; phone_code defaults to +57 and redirect_url comes from the top level', async () => {
    const body = await createBody(t.sandbox, {
      amount_in_cents: 12_345_600,
      redirect_url: 'https://shop.example.co/payments/return',
      payment_method: bnpl({ phone_code: undefined }),
    });
    const r = await api.create(body);
    expect(r.status).toBe(201);
    const [atWompi] = await wompiTransactions(t.sandbox, String(r.body.wompi_reference));
    expect(atWompi.payment_method).toMatchObject({
      phone_code: '+57',
      redirect_url: 'https://shop.example.co/payments/return',
    });
    expect(atWompi.payment_method).not.toHaveProperty('sandbox_status');
    expect((await api.get(`/v1/transactions/${r.body.id}`)).body.status).toBe('PENDING');

    await sandboxDecide(t.sandbox, String(r.body.wompi_transaction_id), 'APPROVED');
    await api.waitForStatus(String(r.body.id), ['APPROVED']);
  });

  it('refuses an amount under COP 100,000 with 400 naming amount_in_cents, keeping nothing', async () => {
    const before = await paymentCount();
    const r = await api.create<Problem>(
      await createBody(t.sandbox, {
        amount_in_cents: BNPL_AMOUNT - 1,
        payment_method: bnpl({ sandbox_status: 'APPROVED' }),
      }),
    );
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Object.keys(r.body.errors ?? {})).toEqual(['amount_in_cents']);
    expect(r.body.errors!.amount_in_cents).toEqual([
      'amount_in_cents must be at least 10000000 (COP 100,000) for BANCOLOMBIA_BNPL',
    ]);
    // the default 2_490_000 of other methods is fine for them, not for BNPL
    const small = await api.create<Problem>(await createBody(t.sandbox, { payment_method: bnpl() }));
    expect(small.status).toBe(400);
    expect(Object.keys(small.body.errors ?? {})).toEqual(['amount_in_cents']);
    expect(await paymentCount()).toBe(before);
  });

  it('names each bad or missing BNPL field', async () => {
    const before = await paymentCount();
    const base = await createBody(t.sandbox, { amount_in_cents: BNPL_AMOUNT });
    const r = await api.create<Problem>({
      ...base,
      payment_method: {
        type: 'BANCOLOMBIA_BNPL',
        name: '',
        user_legal_id_type: 'RC',
        user_legal_id: 'no spaces allowed',
        phone_number: '12345',
        phone_code: '+1',
        payment_description: 'x'.repeat(65),
        redirect_url: 'ftp://shop.example.co',
        sandbox_status: 'APPROVED_ONLY_POINTS',
        extra: 1,
      },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors ?? {}).sort()).toEqual(
      [
        'payment_method.name',
        'payment_method.last_name',
        'payment_method.user_legal_id_type',
        'payment_method.user_legal_id',
        'payment_method.phone_number',
        'payment_method.phone_code',
        'payment_method.payment_description',
        'payment_method.redirect_url',
        'payment_method.sandbox_status',
        'payment_method.extra',
      ].sort(),
    );
    expect(r.body.errors!['payment_method.user_legal_id_type'][0]).toMatch(/CC, CE, NIT, PP, TI/);
    expect(await paymentCount()).toBe(before);
  });

  it('is documented in the OpenAPI document as one of the payment methods', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as any;
    const schemas = doc.components.schemas;
    const refs = (schemas.CreateTransactionDto.properties.payment_method.oneOf as { $ref: string }[]).map(
      (o) => o.$ref,
    );
    expect(refs).toContain('#/components/schemas/BancolombiaBnplMethodDto');
    const bnplSchema = schemas.BancolombiaBnplMethodDto;
    expect(bnplSchema.properties.type.enum).toEqual(['BANCOLOMBIA_BNPL']);
    expect(bnplSchema.required).toEqual(
      expect.arrayContaining([
        'type',
        'name',
        'last_name',
        'user_legal_id_type',
        'user_legal_id',
        'phone_number',
        'payment_description',
      ]),
    );
    expect(bnplSchema.required).not.toContain('phone_code');
    expect(bnplSchema.properties.sandbox_status.enum).toEqual(['APPROVED', 'DECLINED', 'ERROR']);
    expect(schemas.PaymentMethodDto.properties.type.enum).toContain('BANCOLOMBIA_BNPL');
    expect(schemas.CreateTransactionDto.properties.amount_in_cents.description).toMatch(/BANCOLOMBIA_BNPL.*10000000/);
  });
});
