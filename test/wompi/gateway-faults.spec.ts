/* The Wompi gateway against the real offline sandbox over HTTP, with its fault modes
 * (PUT /__sandbox/faults). Timeouts, cool-downs and backoffs are shrunk through the config. */
import { randomUUID } from 'node:crypto';
import { Metrics } from '../../src/metrics/metrics';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { resolveByReference } from '../../src/wompi/transaction-resolver';
import { WompiHttpGateway } from '../../src/wompi/wompi-http.gateway';
import { GatewayOutcomeUnknown, GatewayTimeout, GatewayUnavailable } from '../../src/wompi/wompi.errors';
import { WompiConfig } from '../../src/config/app-config';
import { CapturingLogger, until, wompiTestConfig } from './support';

let sandbox: RunningSandbox;
let metrics: Metrics;
let logger: CapturingLogger;

const gateway = (over: Partial<WompiConfig> = {}) =>
  new WompiHttpGateway(
    wompiTestConfig(sandbox.baseUrl, { timeoutMs: 2000, retryBaseDelayMs: 10, ...over }, sandbox.keys),
    metrics,
    { logger },
  );

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.origin}/__sandbox/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (res.status !== 200) throw new Error(`sandbox refused faults: ${res.status} ${await res.text()}`);
}

async function faults(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${sandbox.origin}/__sandbox/faults`)).json()) as Record<string, unknown>;
}

const outcomes = async (operation: string, outcome: string) =>
  (await metrics.wompiCalls.get()).values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)
    ?.value ?? 0;

/** A valid Nequi create with fresh acceptance tokens (they are single-use). */
async function nequiPayment(g: WompiHttpGateway, reference: string) {
  const tokens = await g.getAcceptanceTokens();
  return {
    reference,
    amount_in_cents: 250000,
    currency: 'COP' as const,
    customer_email: 'buyer@example.com',
    acceptance_token: tokens.presigned_acceptance.acceptance_token,
    accept_personal_auth: tokens.presigned_personal_data_auth.acceptance_token,
    payment_method: { type: 'NEQUI' as const, phone_number: '3991111111' },
  };
}

const rejectionOf = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, silent: true, cardDelayMs: 50, asyncDelayMs: 50 });
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(async () => {
  await sandbox.reset();
  metrics = new Metrics(false);
  logger = new CapturingLogger();
});

afterEach(() => {
  for (const secret of Object.values(sandbox.keys)) expect(logger.text()).not.toContain(secret);
});

describe('Wompi gateway against the sandbox', () => {
  it('works end to end without faults: acceptance tokens, create, get, search', async () => {
    const g = gateway();
    const reference = `ok-${randomUUID()}`;
    const tokens = await g.getAcceptanceTokens();
    expect(tokens.presigned_acceptance.type).toBe('END_USER_POLICY');
    expect(
      tokens.presigned_acceptance.expires_at === null ||
        !Number.isNaN(Date.parse(tokens.presigned_acceptance.expires_at)),
    ).toBe(true);
    const created = await g.createTransaction(await nequiPayment(g, reference));
    expect(created).toMatchObject({ reference, status: 'PENDING', amount_in_cents: 250000 });
    expect((await g.getTransaction(created.id)).id).toBe(created.id);
    expect((await g.findTransactionsByReference(reference)).map((t) => t.id)).toEqual([created.id]);
    const banks = await g.getPseFinancialInstitutions();
    expect(banks.map((b) => b.financial_institution_code)).toEqual(expect.arrayContaining(['1', '2']));
  });

  it('a hung GET is cut at the configured timeout (300 ms)', async () => {
    const g = gateway({ timeoutMs: 300 });
    await setFaults({ hang_next: { count: 1, method: 'GET', path: '/v1/pse' } });
    const started = Date.now();
    const e = await rejectionOf(g.getPseFinancialInstitutions());
    const took = Date.now() - started;
    console.log(`hung GET cut after ${took} ms (timeout 300 ms)`);
    expect(e).toBeInstanceOf(GatewayTimeout);
    expect(took).toBeGreaterThanOrEqual(295);
    // cut, not hung (a held request is never answered): generous for a busy machine
    expect(took).toBeLessThan(10_000);
    expect(await faults()).not.toHaveProperty('hang_next'); // exactly one request was held
  });

  it('5xx on a GET is retried and succeeds (fail_next count 2)', async () => {
    const g = gateway();
    const created = await g.createTransaction(await nequiPayment(g, `get-${randomUUID()}`));
    await setFaults({ fail_next: { count: 2, status: 503, method: 'GET', path: '/v1/transactions/' } });
    const got = await g.getTransaction(created.id);
    expect(got.id).toBe(created.id);
    expect(await outcomes('get_transaction', 'server_error')).toBe(2);
    expect(await outcomes('get_transaction', 'ok')).toBe(1);
  });

  it('5xx on POST /transactions is not re-posted: outcome unknown, at most one transaction', async () => {
    const g = gateway();
    const reference = `five-${randomUUID()}`;
    const input = await nequiPayment(g, reference);
    // two failures armed: a re-post would consume the second one
    await setFaults({ fail_next: { count: 2, status: 500, method: 'POST', path: '/v1/transactions' } });
    const e = await rejectionOf(g.createTransaction(input));
    expect(e).toBeInstanceOf(GatewayOutcomeUnknown);
    expect((await faults()).fail_next).toMatchObject({ count: 1 });
    await setFaults({});
    expect((await g.findTransactionsByReference(reference)).length).toBeLessThanOrEqual(1);
    expect(await outcomes('create_transaction', 'unknown_outcome')).toBe(1);
  });

  it('the ambiguous create (applied, never answered) is unknown, then resolved by reference to exactly one', async () => {
    const g = gateway({ timeoutMs: 300 });
    const reference = `amb-${randomUUID()}`;
    const input = await nequiPayment(g, reference);
    await setFaults({ hang_next: { count: 1, method: 'POST', path: '/v1/transactions', apply: true } });
    const started = Date.now();
    const e = await rejectionOf(g.createTransaction(input));
    expect(e).toBeInstanceOf(GatewayOutcomeUnknown);
    expect(Date.now() - started).toBeLessThan(10_000); // cut, not hung

    const found = await g.findTransactionsByReference(reference);
    expect(found).toHaveLength(1);
    const resolution = await resolveByReference(g, reference);
    expect(resolution).toMatchObject({ found: true, decisive: { id: found[0].id, reference } });
  });

  it('a write refused before being sent is retried (connection refused), never reported unknown', async () => {
    const dead = await startSandbox({ port: 0, silent: true });
    const deadUrl = dead.baseUrl;
    await dead.close();
    const g = new WompiHttpGateway(wompiTestConfig(deadUrl, { retryBaseDelayMs: 5 }, sandbox.keys), metrics, {
      logger,
    });
    const e = await rejectionOf(g.voidTransaction('1-2-3'));
    expect(e).toBeInstanceOf(GatewayUnavailable);
    expect(await outcomes('void_transaction', 'network_error')).toBe(3);
  });

  it('5 consecutive failures open the breaker; the next call fails fast without reaching Wompi; after the cool-down a probe closes it', async () => {
    const g = gateway({ breakerThreshold: 5, breakerCooldownMs: 200, retryAttempts: 1 });
    await setFaults({ fail_next: { count: 5, status: 502, method: 'GET', path: '/v1/pse' } });
    for (let i = 0; i < 5; i++) await expect(g.getPseFinancialInstitutions()).rejects.toThrow(GatewayUnavailable);
    expect(g.breakerState()).toBe('open');

    const t0 = process.hrtime.bigint();
    const e = await rejectionOf(g.getPseFinancialInstitutions());
    const fastMs = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`breaker open: call rejected in ${fastMs.toFixed(3)} ms`);
    expect(e).toBeInstanceOf(GatewayUnavailable);
    expect((e as GatewayUnavailable).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Behaviour, not speed (the speed is in bench/): the outcome below proves it never left;
    // this only catches a call that waited (a busy machine can stall any call for a while).
    expect(fastMs).toBeLessThan(2000);
    expect(await outcomes('get_pse_institutions', 'breaker_open')).toBe(1);

    const openedAt = Date.now();
    await until(() => g.breakerState() === 'half-open', 20_000, 5);
    expect(Date.now() - openedAt).toBeLessThan(20_000); // the configured 200 ms, not the default 30 s
    const banks = await g.getPseFinancialInstitutions(); // the probe
    expect(banks.length).toBeGreaterThan(0);
    expect(g.breakerState()).toBe('closed');
    expect((await metrics.wompiBreakerState.get()).values.find((v) => v.labels.group === 'merchant')?.value).toBe(0);
  });

  it('a 429 with Retry-After from the sandbox is honoured on a GET', async () => {
    const g = gateway();
    await setFaults({ fail_next: { count: 1, status: 429, retry_after_s: 1, method: 'GET', path: '/v1/pse' } });
    const started = Date.now();
    await g.getPseFinancialInstitutions();
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(await outcomes('get_pse_institutions', 'rate_limited')).toBe(1);
  });
});
