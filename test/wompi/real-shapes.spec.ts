/* The gateway against REAL Wompi bodies (test/fixtures/wompi/real/, copied from captured
 * traffic), served over real HTTP by a local double the way an outside checker would replay
 * them: every success shape must be accepted, every error body mapped to its typed error.
 * Variants add what a replaying double may do: extra fields, nulls, missing optional fields. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../src/metrics/metrics';
import { computeEventChecksum, eventChecksumPreimage, verifyEventChecksum } from '../../src/wompi/signatures';
import { WompiHttpGateway } from '../../src/wompi/wompi-http.gateway';
import { CreateTransactionInput } from '../../src/wompi/wompi.types';
import {
  GatewayAuthError,
  GatewayBadResponse,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayValidationError,
} from '../../src/wompi/wompi.errors';
import { CapturingLogger, LocalServer, TEST_KEYS, json, wompiTestConfig } from './support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DIR = join(__dirname, '..', 'fixtures', 'wompi', 'real');

/** `{status, body}` of an api fixture (either `response{status, body}` or `response_body`). */
function real(name: string, status = 200): { status: number; body: Json } {
  const f = JSON.parse(readFileSync(join(DIR, 'api', `${name}.json`), 'utf8')) as Json;
  return f.response ? { status: f.response.status, body: f.response.body } : { status, body: f.response_body };
}
const event = (name: string): Json => JSON.parse(readFileSync(join(DIR, 'events', `${name}.json`), 'utf8')) as Json;
const rawBodies = (): string[] =>
  readFileSync(join(DIR, 'events', 'sandbox_raw_bodies.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

const clone = <T>(v: T): T => structuredClone(v);

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

const createInput = (over: Partial<CreateTransactionInput> = {}): CreateTransactionInput => ({
  reference: 'ref-1755396263491',
  amount_in_cents: 500000,
  currency: 'COP',
  customer_email: 'qa.wompi@test.com',
  acceptance_token: 'a.b.c',
  payment_method: {
    type: 'PSE',
    user_type: 0,
    user_legal_id_type: 'CC',
    user_legal_id: '1061779338',
    financial_institution_code: '1001',
    payment_description: 'Compra de prueba PSE',
  },
  ...over,
});

describe('Wompi gateway against real captured shapes (local HTTP double)', () => {
  let server: LocalServer;
  let logger: CapturingLogger;
  /** "METHOD /v1/path?query" → answer; anything else is the API gateway's 404 */
  let routes: Record<string, { status: number; body: unknown }>;

  const gateway = () =>
    new WompiHttpGateway(wompiTestConfig(server.baseUrl, { retryAttempts: 1 }), new Metrics(false), { logger });
  const serve = (method: string, path: string, answer: { status: number; body: unknown }) => {
    routes[`${method} /v1${path}`] = answer;
  };

  beforeAll(async () => {
    server = await new LocalServer().start();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    logger = new CapturingLogger();
    routes = {};
    server.reset((req, res) => {
      const hit = routes[`${req.method} ${req.url}`];
      if (hit) json(res, hit.status, hit.body);
      else json(res, 404, real('uat_merchant_404_unknown_route').body);
    });
  });
  afterEach(() => {
    for (const secret of Object.values(TEST_KEYS)) expect(logger.text()).not.toContain(secret);
  });

  describe('merchant / acceptance tokens', () => {
    const path = `/merchants/${TEST_KEYS.publicKey}`;

    it('accepts the UAT 200 (pub_stagtest_ key, many extra fields) and decodes exp only on END_USER_POLICY', async () => {
      serve('GET', path, real('uat_merchant_200'));
      const t = await gateway().getAcceptanceTokens();
      const data = real('uat_merchant_200').body.data;
      expect(t.presigned_acceptance).toEqual({
        ...data.presigned_acceptance,
        expires_at: new Date(1770241991 * 1000).toISOString(),
      });
      expect(t.presigned_personal_data_auth).toEqual({ ...data.presigned_personal_data_auth, expires_at: null });
      expect(server.received[0].headers.authorization).toBeUndefined();
    });

    it('accepts nulls and missing optional merchant fields (only the presigned tokens matter)', async () => {
      const body = real('uat_merchant_200').body;
      for (const k of Object.keys(body.data)) if (!k.startsWith('presigned_')) delete body.data[k];
      body.data.installments_config = { enabled: false, available_installments: null };
      body.meta = { trace_id: 'f9a18f00e69e61c14bf0abe507d8d110' };
      serve('GET', path, { status: 200, body });
      expect((await gateway().getAcceptanceTokens()).presigned_acceptance.type).toBe('END_USER_POLICY');
    });

    it('401 without a key → GatewayAuthError with the real reason', async () => {
      serve('GET', path, real('uat_merchant_401_no_key'));
      const err = await failure(gateway().getAcceptanceTokens());
      expect(err).toBeInstanceOf(GatewayAuthError);
      expect(err).toMatchObject({
        httpStatus: 401,
        reason: 'Se esperaba una llave pública o privada pero no se recibió ninguna',
      });
    });

    it('422 bad public key → GatewayValidationError {public_key: ["Formato inválido"]}', async () => {
      serve('GET', path, real('uat_merchant_422_bad_public_key'));
      const err = await failure(gateway().getAcceptanceTokens());
      expect(err).toBeInstanceOf(GatewayValidationError);
      expect((err as GatewayValidationError).fieldErrors).toEqual({ public_key: ['Formato inválido'] });
    });

    it('404 {"message":"Not Found"} on the path form → /merchants/info; both 404 → GatewayNotFound', async () => {
      expect(await failure(gateway().getAcceptanceTokens())).toBeInstanceOf(GatewayNotFound);
      expect(server.received.map((r) => r.url)).toEqual([`/v1${path}`, '/v1/merchants/info']);
      serve('GET', '/merchants/info', real('uat_merchant_200'));
      const t = await gateway().getAcceptanceTokens();
      expect(t.presigned_acceptance.acceptance_token).toBe(
        real('uat_merchant_200').body.data.presigned_acceptance.acceptance_token,
      );
    });
  });

  describe('tokens and PSE banks', () => {
    it('card token 201 (created_with_cvc, validity_ends_at, +00:00 timestamps) is accepted', async () => {
      serve('POST', '/tokens/cards', real('card_token_201'));
      const t = await gateway().createCardToken({
        number: '4242424242424242',
        cvc: '789',
        exp_month: '02',
        exp_year: '26',
        card_holder: 'Eliana',
      });
      expect(t).toMatchObject({
        id: 'tok_test_16324_3dB7b2B1fa1e1a6Ba3C0Dc2F9c0c5015',
        brand: 'VISA',
        last_four: '4242',
        created_at: '2022-08-26T02:57:24.973+00:00',
      });
      expect(t.validity_ends_at).toBe('2022-08-28T02:57:24.973+00:00');
    });

    it('card token 422 pattern messages → GatewayValidationError per field', async () => {
      serve('POST', '/tokens/cards', real('card_token_422'));
      const err = await failure(
        gateway().createCardToken({
          number: '4242424242424242',
          cvc: 'cvc',
          exp_month: 'xx',
          exp_year: 'yy',
          card_holder: 'card_holder',
        }),
      );
      expect(err).toBeInstanceOf(GatewayValidationError);
      expect((err as GatewayValidationError).fieldErrors).toEqual({
        exp_month: ['debe coincidir con el patron "^\\d{2}$"'],
        exp_year: ['debe coincidir con el patron "^\\d{2}$"'],
        cvc: ['debe coincidir con el patron "^\\d{3,4}$"'],
      });
    });

    it('card token 404 MERCHANT_NOT_FOUND → GatewayNotFound', async () => {
      serve('POST', '/tokens/cards', {
        status: 404,
        body: {
          error: {
            type: 'NOT_FOUND',
            reason: 'Comercio con llave pub_test_x no encontrado',
            code: 'MERCHANT_NOT_FOUND',
          },
        },
      });
      expect(
        await failure(
          gateway().createCardToken({
            number: '4242424242424242',
            cvc: '123',
            exp_month: '02',
            exp_year: '26',
            card_holder: 'Eliana',
          }),
        ),
      ).toBeInstanceOf(GatewayNotFound);
    });

    it('Nequi token (no meta, name present or absent) and 422 UNPROCESSABLE', async () => {
      serve('POST', '/tokens/nequi', {
        status: 201,
        body: { data: { id: 'nequi_test_abc', status: 'PENDING', phone_number: '3107654321', name: 'Comercio' } },
      });
      serve('GET', '/tokens/nequi/nequi_test_abc', {
        status: 200,
        body: { data: { id: 'nequi_test_abc', status: 'APPROVED', phone_number: '3107654321' }, meta: {} },
      });
      const g = gateway();
      expect(await g.createNequiToken('3107654321')).toMatchObject({ status: 'PENDING', name: 'Comercio' });
      expect(await g.getNequiToken('nequi_test_abc')).toMatchObject({ status: 'APPROVED' });
      serve('POST', '/tokens/nequi', {
        status: 422,
        body: { error: { type: 'UNPROCESSABLE', reason: 'El número de teléfono no es válido' } },
      });
      const err = await failure(g.createNequiToken('12'));
      expect(err).toBeInstanceOf(GatewayBusinessRejection);
      expect((err as GatewayBusinessRejection).reason).toBe('El número de teléfono no es válido');
    });

    it('PSE institutions: the sandbox list (codes 1, 2, 3), and the swagger bare array', async () => {
      serve('GET', '/pse/financial_institutions', real('pse_financial_institutions'));
      const banks = await gateway().getPseFinancialInstitutions();
      expect(banks.map((b) => b.financial_institution_code)).toEqual(['1', '2', '3']);
      expect(banks[2].financial_institution_name).toBe('Banco que simula un error');
      serve('GET', '/pse/financial_institutions', {
        status: 200,
        body: [{ financial_institution_code: '1051', financial_institution_name: 'Bancolombia' }],
      });
      expect(await gateway().getPseFinancialInstitutions()).toEqual([
        { financial_institution_code: '1051', financial_institution_name: 'Bancolombia' },
      ]);
    });
  });

  describe('transactions', () => {
    it('PSE 201 (UAT: extra.is_three_ds, bill_id, taxes, tip_in_cents) is accepted as PENDING', async () => {
      serve('POST', '/transactions', real('uat_pse_transaction_201'));
      const tx = await gateway().createTransaction(createInput());
      expect(tx).toMatchObject({
        id: '15113-1755396264-52249',
        status: 'PENDING',
        finalized_at: null,
        amount_in_cents: 500000,
        customer_email: 'qa.wompi@test.com',
      });
      expect(tx.payment_method).toMatchObject({ type: 'PSE', extra: { is_three_ds: false, three_ds_auth_type: null } });
      // the integrity signature the gateway sends is the one Wompi UAT accepted for this body
      expect(JSON.parse(server.received[0].body).signature).not.toHaveLength(0);
    });

    it('PSE 422 nested payment_method.messages → dotted field', async () => {
      serve('POST', '/transactions', real('uat_pse_transaction_422_legal_id_type'));
      const err = await failure(gateway().createTransaction(createInput()));
      expect(err).toBeInstanceOf(GatewayValidationError);
      expect((err as GatewayValidationError).fieldErrors).toEqual({
        'payment_method.user_legal_id_type': ['Debe ser uno de estos: RC, TI, CC, TE, CE, NIT, PP, DNI'],
      });
    });

    it('other real 422 / 401 / 403 bodies of POST /transactions map to their typed errors', async () => {
      const cases: [{ status: number; body: unknown }, unknown, Json][] = [
        [
          {
            status: 422,
            body: {
              error: {
                type: 'INPUT_VALIDATION_ERROR',
                messages: {
                  valid_amount_in_cents: ['El monto mínimo de una transacción es $1,500 exceptuando impuestos'],
                },
              },
            },
          },
          GatewayValidationError,
          {
            fieldErrors: {
              valid_amount_in_cents: ['El monto mínimo de una transacción es $1,500 exceptuando impuestos'],
            },
          },
        ],
        [
          {
            status: 422,
            body: {
              error: {
                type: 'INPUT_VALIDATION_ERROR',
                messages: { acceptance_token: ['El token de aceptación ya fue usado'] },
              },
              meta: { trace_id: 'abc' },
            },
          },
          GatewayValidationError,
          { fieldErrors: { acceptance_token: ['El token de aceptación ya fue usado'] } },
        ],
        [
          {
            status: 422,
            body: { error: { type: 'UNPROCESSABLE', reason: 'No se especificó método de pago o fuente de pago' } },
          },
          GatewayBusinessRejection,
          { reason: 'No se especificó método de pago o fuente de pago' },
        ],
        [
          {
            status: 401,
            body: {
              error: { type: 'INVALID_ACCESS_TOKEN', reason: 'La llave proporcionada no corresponde a este ambiente.' },
            },
          },
          GatewayAuthError,
          { httpStatus: 401 },
        ],
        [
          { status: 401, body: { error: { type: 'INVALID_ACCESS_TOKEN', reason: 'Llave no válida' } } },
          GatewayAuthError,
          { reason: 'Llave no válida' },
        ],
        [
          {
            status: 403,
            body: { error: { type: 'INVALID_ACCESS_TOKEN', reason: 'El token no tiene suficientes permisos' } },
          },
          GatewayAuthError,
          { httpStatus: 403 },
        ],
        // a validation refusal worded as a single reason (no field messages) is still a refusal
        [
          { status: 422, body: { error: { type: 'INPUT_VALIDATION_ERROR', reason: 'La referencia ya fue usada' } } },
          GatewayBusinessRejection,
          { reason: 'La referencia ya fue usada' },
        ],
      ];
      for (const [answer, type, fields] of cases) {
        serve('POST', '/transactions', answer);
        const err = await failure(gateway().createTransaction(createInput()));
        expect(err).toBeInstanceOf(type as new (...a: never[]) => unknown);
        expect(err).toMatchObject(fields);
      }
    });

    it('the key-echoing 401 variant never leaks the key it echoes', async () => {
      serve('POST', '/transactions', {
        status: 401,
        body: {
          error: {
            type: 'INVALID_ACCESS_TOKEN',
            reason: `La llave proporcionada no corresponde a este ambiente, se recibió: ${TEST_KEYS.privateKey}`,
          },
        },
      });
      const err = (await failure(gateway().createTransaction(createInput()))) as GatewayAuthError;
      expect(err).toBeInstanceOf(GatewayAuthError);
      expect(err.reason).not.toContain(TEST_KEYS.privateKey);
    });

    it('card APPROVED / DECLINED (merchant object, taxes, no finalized_at, no customer_email) are accepted', async () => {
      const approved = real('transaction_card_approved');
      const declined = real('transaction_card_declined_4111');
      serve('GET', `/transactions/${approved.body.data.id}`, approved);
      serve('GET', `/transactions/${declined.body.data.id}`, declined);
      const g = gateway();
      const a = await g.getTransaction(approved.body.data.id);
      expect(a).toMatchObject({
        status: 'APPROVED',
        finalized_at: null,
        customer_email: null,
        status_message: null,
        payment_source_id: null,
        payment_link_id: null,
      });
      expect(a.merchant).toMatchObject({ name: 'Spreedly MV' });
      const d = await g.getTransaction(declined.body.data.id);
      expect(d).toMatchObject({ status: 'DECLINED', status_message: 'La transacción fue rechazada (Sandbox)' });
    });

    it('search by reference returns every transaction of a buyer retry (DECLINED + APPROVED, same reference)', async () => {
      const declined = real('transaction_card_declined_4111').body.data;
      const approved = real('transaction_card_approved').body.data;
      const reference = 'b4DxpcrtsvRs';
      serve('GET', `/transactions?reference=${reference}`, {
        status: 200,
        body: { data: [{ ...declined, reference }, approved], meta: {} },
      });
      const list = await gateway().findTransactionsByReference(reference);
      expect(list.map((t) => t.status)).toEqual(['DECLINED', 'APPROVED']);
    });

    it('a transaction event payload (3DS fields, shipping, billing, customer_data, origin) parses as a transaction', async () => {
      const t = clone(event('sandbox_card_3ds_approved').data.transaction);
      t.origin = null;
      serve('GET', `/transactions/${t.id}`, { status: 200, body: { data: t, meta: {} } });
      const got = await gateway().getTransaction(t.id);
      expect(got.payment_method.extra).toMatchObject({
        is_three_ds: true,
        three_ds_auth: { three_ds_auth: { current_step: 'AUTHENTICATION' } },
      });
    });

    it('nulls and missing optional fields are accepted; missing required ones are GatewayBadResponse', async () => {
      const base = real('transaction_card_approved').body.data;
      const id = base.id;
      const variants: Json[] = [
        { ...base, finalized_at: '2021-10-27T02:14:17.000Z', customer_email: 'x@example.com' },
        (({ redirect_url: _r, status_message: _s, ...rest }) => ({
          ...rest,
          payment_source_id: null,
          payment_link_id: null,
          billing_data: null,
          origin: null,
        }))(base),
        { ...base, payment_method: { type: 'CARD' } },
        { ...base, payment_method: { type: 'CARD', extra: null, installments: null } },
        { ...base, merchant: null, taxes: null, unknown_future_field: { nested: [1, 2, 3] } },
      ];
      for (const v of variants) {
        serve('GET', `/transactions/${id}`, { status: 200, body: { data: v, meta: {} } });
        expect((await gateway().getTransaction(id)).id).toBe(id);
      }
      for (const broken of [
        { ...base, amount_in_cents: '150000' },
        { ...base, status: 'SOMETHING' },
        (({ reference: _x, ...rest }) => rest)(base),
      ]) {
        serve('GET', `/transactions/${id}`, { status: 200, body: { data: broken, meta: {} } });
        expect(await failure(gateway().getTransaction(id))).toBeInstanceOf(GatewayBadResponse);
      }
    });

    it('void APPROVED (data.status + nested transaction, meta.trace_id) and void 404 (+trace_id)', async () => {
      const ok = real('void_approved');
      const id = ok.body.data.transaction.id;
      serve('POST', `/transactions/${id}/void`, { status: 201, body: ok.body });
      const r = await gateway().voidTransaction(id);
      expect(r).toMatchObject({
        status: 'APPROVED',
        status_message: null,
        transaction: { id, status: 'APPROVED', customer_email: null },
      });
      // the public route's answer was never captured (docs/wompi.md#uncertain-points-and-our-choices): a bare transaction is read too
      serve('POST', `/transactions/${id}/void`, {
        status: 201,
        body: { data: { ...ok.body.data.transaction, status: 'VOIDED' }, meta: {} },
      });
      expect(await gateway().voidTransaction(id)).toMatchObject({
        status: 'VOIDED',
        transaction: { id, status: 'VOIDED' },
      });
      serve('POST', '/transactions/113879-0000000000-00000/void', { status: 404, body: real('void_404').body });
      expect(await failure(gateway().voidTransaction('113879-0000000000-00000'))).toBeInstanceOf(GatewayNotFound);
    });
  });

  describe('payment sources', () => {
    it('the real payment source shape (customer_email null, extra public_data) is accepted on create and read', async () => {
      const src = real('partner_payment_source_preauth', 201);
      serve('POST', '/payment_sources', src);
      serve('GET', '/payment_sources/19930', { status: 200, body: src.body });
      const g = gateway();
      const created = await g.createPaymentSource({
        type: 'CARD',
        token: 'tok_test_13879_29dbd1E75A7dc06e42bE08dbad959771',
        customer_email: 'a@b.co',
        acceptance_token: 'a.b.c',
      });
      expect(created).toMatchObject({
        id: 19930,
        status: 'AVAILABLE',
        customer_email: null,
        public_data: { type: 'CARD', financial_operation: 'PREAUTHORIZATION' },
      });
      expect((await g.getPaymentSource(19930)).id).toBe(19930);
      serve('POST', '/payment_sources', {
        status: 422,
        body: { error: { type: 'UNPROCESSABLE', reason: 'La fuente de pago ha sido declinada' } },
      });
      expect(
        await failure(
          g.createPaymentSource({
            type: 'NEQUI',
            token: 'nequi_test_x',
            customer_email: 'a@b.co',
            acceptance_token: 'a.b.c',
          }),
        ),
      ).toBeInstanceOf(GatewayBusinessRejection);
    });
  });

  describe('webhook events: checksum verification on real structures', () => {
    it('docs example: the printed UPPERCASE checksum does not verify; the real pre-image does (in any case)', () => {
      const ev = event('docs_example_transaction_updated');
      const secret = 'prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z';
      expect(verifyEventChecksum(ev as never, undefined, [secret])).toEqual({ valid: false });
      expect(verifyEventChecksum(ev as never, ev.signature.checksum, [secret])).toEqual({ valid: false });
      expect(eventChecksumPreimage(ev as never, secret)).toBe(
        '1234-1610641025-49201APPROVED44900001530291411prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z',
      );
      const right = '5a18ec5e8fdb7df463e9f94774cba8f583ba21bd04a09ceff2ea68a4bc0aefbe';
      expect(
        verifyEventChecksum(
          { ...ev, signature: { ...ev.signature, checksum: right.toUpperCase() } } as never,
          undefined,
          [secret],
        ),
      ).toEqual({ valid: true, secretIndex: 0 });
    });

    it('raw sandbox bodies: properties resolve inside data, amounts render as plain integers, timestamp follows', () => {
      const secret = 'test_events_Y49rL5FGw4vTeiUaZaJ957hlpezdPQ0r';
      for (const line of rawBodies()) {
        const ev = JSON.parse(line) as Json;
        const t = ev.data.transaction;
        expect(Object.keys(ev)).toEqual(['event', 'data', 'sent_at', 'timestamp', 'signature', 'environment']);
        expect(ev.timestamp).toBe(Math.floor(Date.parse(ev.sent_at) / 1000));
        expect(eventChecksumPreimage(ev as never, secret)).toBe(
          `${t.id}${t.status}${t.amount_in_cents}${ev.timestamp}${secret}`,
        );
        // their own checksums were made with an unknown secret: they must not verify with ours
        expect(verifyEventChecksum(ev as never, ev.signature.checksum, [secret]).valid).toBe(false);
        const signed: Json = {
          ...ev,
          signature: { ...ev.signature, checksum: computeEventChecksum(ev as never, secret) },
        };
        expect(signed.signature.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(verifyEventChecksum(signed as never, undefined, ['test_events_old', secret])).toEqual({
          valid: true,
          secretIndex: 1,
        });
        // the header alone is enough when the body carries no checksum
        const headerOnly = { ...ev, signature: { properties: ev.signature.properties } };
        expect(verifyEventChecksum(headerOnly as never, signed.signature.checksum.toUpperCase(), [secret]).valid).toBe(
          true,
        );
        // tampering with a covered value breaks it
        const tampered = clone(signed);
        tampered.data.transaction.amount_in_cents += 1;
        expect(verifyEventChecksum(tampered as never, undefined, [secret]).valid).toBe(false);
      }
    });

    it('the 3DS sandbox event: nested, boolean and null properties render deterministically', () => {
      const ev = clone(event('sandbox_card_3ds_approved'));
      ev.signature.properties = [
        'transaction.id',
        'transaction.payment_method.extra.is_three_ds',
        'transaction.status_message',
        'transaction.amount_in_cents',
      ];
      const secret = 'test_events_x';
      expect(eventChecksumPreimage(ev as never, secret)).toBe(
        `1106153-1732571069-88868true53550000${ev.timestamp}${secret}`,
      );
      ev.signature.checksum = computeEventChecksum(ev as never, secret);
      expect(verifyEventChecksum(ev as never, undefined, [secret]).valid).toBe(true);
      // a listed property that is absent cannot be verified
      ev.signature.properties = ['transaction.nope'];
      expect(verifyEventChecksum(ev as never, undefined, [secret]).valid).toBe(false);
    });
  });
});
