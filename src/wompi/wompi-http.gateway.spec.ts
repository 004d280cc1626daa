import { Metrics } from '../metrics/metrics';
import {
  CapturingLogger,
  LocalServer,
  TEST_KEYS,
  json,
  txFixture,
  until,
  wompiTestConfig,
} from '../../test/wompi/support';
import { WompiConfig } from '../config/app-config';
import { integritySignature } from './signatures';
import { WompiHttpGateway } from './wompi-http.gateway';
import { CreateTransactionInput } from './wompi.types';
import {
  GatewayAuthError,
  GatewayBadResponse,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayOutcomeUnknown,
  GatewayTimeout,
  GatewayUnavailable,
  GatewayValidationError,
} from './wompi.errors';

const jwt = (payload: unknown) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
const merchantBody = {
  data: {
    id: 1,
    public_key: TEST_KEYS.publicKey,
    presigned_acceptance: {
      acceptance_token: jwt({ exp: 2_000_000_000 }),
      permalink: 'https://wompi.com/terms.pdf',
      type: 'END_USER_POLICY',
    },
    presigned_personal_data_auth: {
      acceptance_token: jwt({ contract_id: 2 }),
      permalink: 'https://wompi.com/data.pdf',
      type: 'PERSONAL_DATA_AUTH',
    },
  },
  meta: {},
};

const createInput = (over: Partial<CreateTransactionInput> = {}): CreateTransactionInput => ({
  reference: 'ref-1',
  amount_in_cents: 500000,
  currency: 'COP',
  customer_email: 'buyer@example.com',
  acceptance_token: 'a.b.c',
  accept_personal_auth: 'd.e.f',
  payment_method: { type: 'NEQUI', phone_number: '3991111111' },
  ...over,
});

const metricValue = async (m: Metrics, operation: string, outcome: string) =>
  (await m.wompiCalls.get()).values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)
    ?.value ?? 0;

const rejectionOf = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

describe('WompiHttpGateway against a local HTTP server', () => {
  let server: LocalServer;
  let logger: CapturingLogger;
  let metrics: Metrics;
  const gateways: WompiHttpGateway[] = [];

  const gateway = (over: Partial<WompiConfig> = {}) => {
    const g = new WompiHttpGateway(wompiTestConfig(server.baseUrl, over), metrics, { logger });
    gateways.push(g);
    return g;
  };

  beforeAll(async () => {
    server = await new LocalServer().start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    logger = new CapturingLogger();
    metrics = new Metrics(false);
  });
  afterEach(() => {
    // no key or secret may ever reach a log line
    for (const secret of Object.values(TEST_KEYS)) expect(logger.text()).not.toContain(secret);
  });

  describe('requests', () => {
    it('createTransaction signs with the integrity secret, uses the private key and validates the answer', async () => {
      server.reset((_r, res) => json(res, 201, { data: txFixture({ reference: 'ref-1' }), meta: {} }));
      const tx = await gateway().createTransaction(createInput());
      expect(tx.id).toBe('15113-1755396264-52249');
      const [req] = server.received;
      expect(req).toMatchObject({ method: 'POST', url: '/v1/transactions' });
      expect(req.headers.authorization).toBe(`Bearer ${TEST_KEYS.privateKey}`);
      const sent = JSON.parse(req.body);
      expect(sent.signature).toBe(
        integritySignature({ reference: 'ref-1', amountInCents: 500000, currency: 'COP' }, TEST_KEYS.integritySecret),
      );
      expect(sent).toMatchObject({ reference: 'ref-1', amount_in_cents: 500000, accept_personal_auth: 'd.e.f' });
      expect(logger.lines.some((l) => JSON.stringify(l.message).includes('"reference":"ref-1"'))).toBe(true);
    });

    it('includes expiration_time in the signature when set', async () => {
      server.reset((_r, res) => json(res, 201, { data: txFixture(), meta: {} }));
      await gateway().createTransaction(createInput({ expiration_time: '2030-01-01T00:00:00.000Z' }));
      expect(JSON.parse(server.received[0].body).signature).toBe(
        integritySignature(
          { reference: 'ref-1', amountInCents: 500000, currency: 'COP', expirationTime: '2030-01-01T00:00:00.000Z' },
          TEST_KEYS.integritySecret,
        ),
      );
    });

    it('uses the public key for tokens and PSE banks, the private key for reads of transactions', async () => {
      server.reset((r, res) => {
        if (r.url.startsWith('/v1/pse'))
          return json(res, 200, {
            data: [{ financial_institution_code: '1', financial_institution_name: 'Banco que aprueba' }],
            meta: {},
          });
        if (r.url.startsWith('/v1/tokens/nequi'))
          return json(res, 200, { data: { id: 'nequi_test_1', status: 'PENDING', phone_number: '3991111111' } });
        return json(res, 200, {
          data: [txFixture({ reference: 'ref 1/é' }), txFixture({ id: 'other', reference: 'ref 1/é-2' })],
          meta: {},
        });
      });
      const g = gateway();
      await g.getPseFinancialInstitutions();
      await g.getNequiToken('nequi_test_1');
      const found = await g.findTransactionsByReference('ref 1/é');
      expect(found.map((t) => t.id)).toEqual(['15113-1755396264-52249']);
      expect(server.received.map((r) => [r.url, r.headers.authorization])).toEqual([
        ['/v1/pse/financial_institutions', `Bearer ${TEST_KEYS.publicKey}`],
        ['/v1/tokens/nequi/nequi_test_1', `Bearer ${TEST_KEYS.publicKey}`],
        [`/v1/transactions?reference=${encodeURIComponent('ref 1/é')}`, `Bearer ${TEST_KEYS.privateKey}`],
      ]);
      // the logged path is the template, never query values
      expect(logger.text()).toContain('/transactions?reference=');
      expect(logger.text()).not.toContain('ref%201');
    });

    it('voids a payment source with PUT /payment_sources/{id}/void and the private key', async () => {
      server.reset((_r, res) =>
        json(res, 200, {
          data: {
            id: 3891,
            type: 'CARD',
            status: 'VOIDED',
            token: 'tok_test_1_a',
            customer_email: 'a@b.co',
            public_data: { type: 'CARD' },
          },
          meta: {},
        }),
      );
      const source = await gateway().voidPaymentSource(3891);
      expect(source).toMatchObject({ id: 3891, status: 'VOIDED' });
      expect(server.received.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
        ['PUT', '/v1/payment_sources/3891/void', `Bearer ${TEST_KEYS.privateKey}`],
      ]);
    });
  });

  describe('acceptance tokens', () => {
    it('come from /merchants/{public_key} with exp decoded, fresh on every call', async () => {
      server.reset((_r, res) => json(res, 200, merchantBody));
      const g = gateway();
      const t = await g.getAcceptanceTokens();
      expect(t.presigned_acceptance).toMatchObject({
        type: 'END_USER_POLICY',
        permalink: 'https://wompi.com/terms.pdf',
        expires_at: '2033-05-18T03:33:20.000Z',
      });
      expect(t.presigned_personal_data_auth).toMatchObject({ type: 'PERSONAL_DATA_AUTH', expires_at: null });
      await g.getAcceptanceTokens();
      expect(server.received.map((r) => r.url)).toEqual([
        `/v1/merchants/${TEST_KEYS.publicKey}`,
        `/v1/merchants/${TEST_KEYS.publicKey}`,
      ]);
      expect(server.received[0].headers.authorization).toBeUndefined();
    });

    it.each([404, 410])(
      'fall back to /merchants/info with x-merchant-public-key on %i, and remember it',
      async (status) => {
        server.reset((r, res) =>
          r.url === '/v1/merchants/info' ? json(res, 200, merchantBody) : json(res, status, { message: 'Not Found' }),
        );
        const g = gateway();
        await g.getAcceptanceTokens();
        await g.getAcceptanceTokens();
        expect(server.received.map((r) => r.url)).toEqual([
          `/v1/merchants/${TEST_KEYS.publicKey}`,
          '/v1/merchants/info',
          '/v1/merchants/info',
        ]);
        expect(server.received[1].headers['x-merchant-public-key']).toBe(TEST_KEYS.publicKey);
      },
    );

    it('fail with GatewayNotFound when neither form knows the merchant', async () => {
      server.reset((_r, res) =>
        json(res, 404, { error: { type: 'NOT_FOUND_ERROR', reason: 'La entidad solicitada no existe' } }),
      );
      const e = await rejectionOf(gateway().getAcceptanceTokens());
      expect(e).toBeInstanceOf(GatewayNotFound);
      expect((e as Error).message).not.toContain(TEST_KEYS.publicKey);
    });

    it('a malformed merchant answer is GatewayBadResponse', async () => {
      server.reset((_r, res) => json(res, 200, { data: { presigned_acceptance: { acceptance_token: 1 } } }));
      await expect(gateway().getAcceptanceTokens()).rejects.toThrow(GatewayBadResponse);
    });
  });

  describe('error mapping end to end', () => {
    it('401 → GatewayAuthError, logged at error level as a possible leaked or rotated key, without the key', async () => {
      server.reset((_r, res) =>
        json(res, 401, {
          error: {
            type: 'INVALID_ACCESS_TOKEN',
            reason: `La llave proporcionada no corresponde a este ambiente, se recibió: ${TEST_KEYS.privateKey}`,
          },
        }),
      );
      const e = await rejectionOf(gateway().getTransaction('1-2-3'));
      expect(e).toBeInstanceOf(GatewayAuthError);
      expect((e as Error).message).not.toContain(TEST_KEYS.privateKey);
      const errorLine = logger.lines.find((l) => l.level === 'error');
      expect(JSON.stringify(errorLine)).toContain('possible leaked or rotated key');
      expect(server.received).toHaveLength(1); // 4xx is never retried
      expect(await metricValue(metrics, 'get_transaction', 'auth_error')).toBe(1);
    });

    it('422 nested validation → GatewayValidationError with dotted fields', async () => {
      server.reset((_r, res) =>
        json(res, 422, {
          error: {
            type: 'INPUT_VALIDATION_ERROR',
            messages: { payment_method: { messages: { user_legal_id_type: ['Debe ser uno de estos: RC, TI, CC'] } } },
          },
        }),
      );
      const e = await rejectionOf(gateway().createTransaction(createInput()));
      expect(e).toBeInstanceOf(GatewayValidationError);
      expect((e as GatewayValidationError).fieldErrors).toEqual({
        'payment_method.user_legal_id_type': ['Debe ser uno de estos: RC, TI, CC'],
      });
    });

    it('422 UNPROCESSABLE → GatewayBusinessRejection', async () => {
      server.reset((_r, res) =>
        json(res, 422, { error: { type: 'UNPROCESSABLE', reason: 'La fuente de pago ha sido declinada' } }),
      );
      await expect(
        gateway().createPaymentSource({
          type: 'NEQUI',
          token: 'nequi_test_1',
          customer_email: 'a@b.co',
          acceptance_token: 'x',
        }),
      ).rejects.toThrow(GatewayBusinessRejection);
    });

    it('404 → GatewayNotFound naming the entity', async () => {
      server.reset((_r, res) =>
        json(res, 404, {
          error: { type: 'NOT_FOUND_ERROR', reason: 'La entidad solicitada no existe' },
          meta: { trace_id: 't' },
        }),
      );
      await expect(gateway().voidTransaction('9-9-9')).rejects.toThrow('Transaction 9-9-9 not found at Wompi');
    });

    it('a 200 that is not JSON, or has the wrong shape, → GatewayBadResponse', async () => {
      server.reset((_r, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
      });
      await expect(gateway().getTransaction('1-2-3')).rejects.toThrow(GatewayBadResponse);
      server.reset((_r, res) => json(res, 200, { data: txFixture({ amount_in_cents: '500000' }) }));
      const e = await rejectionOf(gateway().getTransaction('1-2-3'));
      expect(e).toBeInstanceOf(GatewayBadResponse);
      expect((e as Error).message).toContain('data.amount_in_cents must be an integer');
      expect(await metricValue(metrics, 'get_transaction', 'bad_response')).toBe(2);
    });
  });

  describe('retries', () => {
    it('a GET answered 5xx is retried (3 tries at most) and succeeds', async () => {
      let n = 0;
      server.reset((_r, res) =>
        ++n <= 2 ? json(res, 503, { message: 'Service Unavailable' }) : json(res, 200, { data: txFixture(), meta: {} }),
      );
      const tx = await gateway().getTransaction('15113-1755396264-52249');
      expect(tx.status).toBe('PENDING');
      expect(server.received).toHaveLength(3);
      expect(await metricValue(metrics, 'get_transaction', 'server_error')).toBe(2);
      expect(await metricValue(metrics, 'get_transaction', 'ok')).toBe(1);
    });

    it('a GET that keeps failing gives up after retryAttempts tries with GatewayUnavailable', async () => {
      server.reset((_r, res) => json(res, 502, {}));
      const e = await rejectionOf(gateway({ retryAttempts: 3 }).getTransaction('1-2-3'));
      expect(e).toBeInstanceOf(GatewayUnavailable);
      expect(server.received).toHaveLength(3);
    });

    it('honours Retry-After on 429', async () => {
      let n = 0;
      server.reset((_r, res) =>
        ++n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { data: [], meta: {} }),
      );
      const started = Date.now();
      await gateway({ retryBaseDelayMs: 1 }).getPseFinancialInstitutions();
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
      expect(server.received).toHaveLength(2);
    });

    it('does not sit out a long Retry-After: GatewayUnavailable carries it instead', async () => {
      server.reset((_r, res) => json(res, 429, {}, { 'retry-after': '60' }));
      const e = await rejectionOf(gateway().getPseFinancialInstitutions());
      expect(e).toBeInstanceOf(GatewayUnavailable);
      expect((e as GatewayUnavailable).retryAfterSeconds).toBe(60);
      expect(server.received).toHaveLength(1);
    });

    it('POST /transactions answered 5xx is sent once and its outcome is unknown', async () => {
      server.reset((_r, res) => json(res, 500, {}));
      const e = await rejectionOf(gateway().createTransaction(createInput()));
      expect(e).toBeInstanceOf(GatewayOutcomeUnknown);
      expect(server.received).toHaveLength(1);
      expect(await metricValue(metrics, 'create_transaction', 'unknown_outcome')).toBe(1);
    });

    it('POST /transactions answered 429 is not re-posted and is reported unavailable (not processed)', async () => {
      server.reset((_r, res) => json(res, 429, {}, { 'retry-after': '2' }));
      const e = await rejectionOf(gateway().createTransaction(createInput()));
      expect(e).toBeInstanceOf(GatewayUnavailable);
      expect((e as GatewayUnavailable).retryAfterSeconds).toBe(2);
      expect(server.received).toHaveLength(1);
    });

    it('POST /transactions whose connection is reset after sending is unknown, never re-posted', async () => {
      server.reset((_r, _res, socket) => socket.destroy());
      const e = await rejectionOf(gateway().createTransaction(createInput()));
      expect(e).toBeInstanceOf(GatewayOutcomeUnknown);
      expect(server.received).toHaveLength(1);
    });

    it('a write refused at connect time provably never reached Wompi, so it is retried and ends unavailable, not unknown', async () => {
      const closed = await new LocalServer().start();
      const deadUrl = closed.baseUrl;
      await closed.close();
      const g = new WompiHttpGateway(wompiTestConfig(deadUrl, { retryBaseDelayMs: 1 }), metrics, { logger });
      const e = await rejectionOf(g.createTransaction(createInput()));
      expect(e).toBeInstanceOf(GatewayUnavailable);
      expect(await metricValue(metrics, 'create_transaction', 'network_error')).toBe(3);
    });
  });

  describe('timeouts', () => {
    const hang = () => server.reset(() => undefined); // never answers

    it('a hung GET is cut at the timeout with GatewayTimeout, not retried', async () => {
      hang();
      const started = Date.now();
      const e = await rejectionOf(gateway({ timeoutMs: 200 }).getTransaction('1-2-3'));
      const took = Date.now() - started;
      expect(e).toBeInstanceOf(GatewayTimeout);
      expect(took).toBeGreaterThanOrEqual(195);
      expect(took).toBeLessThan(10_000); // cut, not hung (generous: the machine may be busy)
      expect(server.received).toHaveLength(1);
    });

    it('a hung create is cut at the timeout with GatewayOutcomeUnknown', async () => {
      hang();
      const started = Date.now();
      const e = await rejectionOf(gateway({ timeoutMs: 200 }).createTransaction(createInput()));
      expect(e).toBeInstanceOf(GatewayOutcomeUnknown);
      expect(Date.now() - started).toBeLessThan(10_000); // cut, not hung
      expect(server.received).toHaveLength(1);
    });

    it('a hung card tokenisation is a plain timeout (nothing to reconcile)', async () => {
      hang();
      await expect(
        gateway({ timeoutMs: 150 }).createCardToken({
          number: '4242424242424242',
          cvc: '123',
          exp_month: '12',
          exp_year: '30',
          card_holder: 'Ana Perez',
        }),
      ).rejects.toThrow(GatewayTimeout);
    });
  });

  describe('circuit breaker and bulkhead', () => {
    const failing = () => server.reset((_r, res) => json(res, 500, {}));

    it('opens after 5 consecutive failures, then fails fast with a Retry-After, then a probe closes it', async () => {
      failing();
      const g = gateway({ breakerThreshold: 5, breakerCooldownMs: 300, retryAttempts: 1 });
      for (let i = 0; i < 5; i++) await expect(g.getTransaction('1-2-3')).rejects.toThrow(GatewayUnavailable);
      expect(g.breakerState()).toBe('open');
      expect(
        (await metrics.wompiBreakerState.get()).values.find((v) => v.labels.group === 'transactions-read')?.value,
      ).toBe(2);

      const started = process.hrtime.bigint();
      const e = await rejectionOf(g.getTransaction('1-2-3'));
      const tookMs = Number(process.hrtime.bigint() - started) / 1e6;
      expect(e).toBeInstanceOf(GatewayUnavailable);
      expect((e as GatewayUnavailable).retryAfterSeconds).toBe(1);
      // the 6th never left (below); this bound only catches a call that waited (speed: bench/)
      expect(tookMs).toBeLessThan(2000);
      expect(server.received).toHaveLength(5); // the 6th never left
      expect(await metricValue(metrics, 'get_transaction', 'breaker_open')).toBe(1);

      server.reset((_r, res) => json(res, 200, { data: txFixture(), meta: {} }));
      await until(() => g.breakerState() === 'half-open', 2000);
      await expect(g.getTransaction('1-2-3')).resolves.toMatchObject({ status: 'PENDING' });
      expect(g.breakerState()).toBe('closed');
      expect(
        (await metrics.wompiBreakerState.get()).values.find((v) => v.labels.group === 'transactions-read')?.value,
      ).toBe(0);
    });

    it('a failed probe re-opens it', async () => {
      failing();
      const g = gateway({ breakerThreshold: 2, breakerCooldownMs: 100, retryAttempts: 1 });
      for (let i = 0; i < 2; i++) await expect(g.getTransaction('x')).rejects.toThrow(GatewayUnavailable);
      await until(() => g.breakerState() === 'half-open', 2000);
      await expect(g.getTransaction('x')).rejects.toThrow('Wompi failed get_transaction (500)');
      expect(g.breakerState()).toBe('open');
    });

    it('4xx answers do not count as failures', async () => {
      const g = gateway({ breakerThreshold: 3, retryAttempts: 1 });
      server.reset((_r, res) => json(res, 404, { error: { type: 'NOT_FOUND_ERROR', reason: 'x' } }));
      for (let i = 0; i < 5; i++) await expect(g.getTransaction('x')).rejects.toThrow(GatewayNotFound);
      server.reset((_r, res) => json(res, 422, { error: { type: 'INPUT_VALIDATION_ERROR', messages: { a: ['b'] } } }));
      for (let i = 0; i < 5; i++)
        await expect(g.createTransaction(createInput())).rejects.toThrow(GatewayValidationError);
      server.reset((_r, res) => json(res, 401, { error: { type: 'INVALID_ACCESS_TOKEN', reason: 'Llave no válida' } }));
      for (let i = 0; i < 5; i++) await expect(g.getTransaction('x')).rejects.toThrow(GatewayAuthError);
      expect(g.breakerState()).toBe('closed');
    });

    it('a definite 4xx answer between failures breaks the run of consecutive failures', async () => {
      const g = gateway({ breakerThreshold: 3, retryAttempts: 1 });
      const fail = () => server.reset((_r, res) => json(res, 500, {}));
      fail();
      for (let i = 0; i < 2; i++) await expect(g.getTransaction('x')).rejects.toThrow(GatewayUnavailable);
      server.reset((_r, res) => json(res, 404, { error: { type: 'NOT_FOUND_ERROR', reason: 'x' } }));
      await expect(g.getTransaction('x')).rejects.toThrow(GatewayNotFound);
      fail();
      for (let i = 0; i < 2; i++) await expect(g.getTransaction('x')).rejects.toThrow(GatewayUnavailable);
      expect(g.breakerState()).toBe('closed');
      await expect(g.getTransaction('x')).rejects.toThrow(GatewayUnavailable);
      expect(g.breakerState()).toBe('open');
    });

    it('the bulkhead bounds concurrent calls and rejects beyond its queue', async () => {
      const hanging: Array<() => void> = [];
      server.reset((_r, res) => hanging.push(() => json(res, 200, { data: [], meta: {} })));
      const g = gateway({ maxConcurrent: 1, timeoutMs: 5000 });
      const first = g.getPseFinancialInstitutions();
      const queued = g.getPseFinancialInstitutions();
      await until(() => server.received.length === 1);
      const e = await rejectionOf(g.getPseFinancialInstitutions());
      expect(e).toBeInstanceOf(GatewayUnavailable);
      expect((e as Error).message).toContain('Too many concurrent');
      expect(server.received).toHaveLength(1); // the queued one waits for the slot
      hanging.shift()!();
      await first;
      await until(() => server.received.length === 2);
      hanging.shift()!();
      await queued;
    });
  });
});
