/* The production entry point as a child process: boot refuses bad configuration, listing
 * every problem; and a busy run's logs contain none of the configured secrets nor buyer data. */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startSandbox, RunningSandbox } from '../../src/sandbox/start-sandbox';
import { createTestDatabase, TestDatabase } from '../support/database';
import { BOOT_BOUND_MS, TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { freePort } from '../support/own-redis';
import { acceptanceTokens, cardToken } from '../transactions/support';
import { nequiToken, NEQUI_APPROVES } from '../payment-sources/support';

jest.setTimeout(BOOT_BOUND_MS + 60_000); // the tests and the hook boot the service in a child process

const ROOT = join(__dirname, '..', '..');
const NODE_ARGS = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
const k = (prefix: string) => prefix + 'Zq9'.repeat(11);

function boot(env: Record<string, string | undefined>) {
  return spawnSync(process.execPath, NODE_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: BOOT_BOUND_MS, // a refusal comes once the modules are loaded: slow on a busy machine
  });
}

describe('boot refuses bad configuration', () => {
  const valid = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none',
    REDIS_URL: 'redis://127.0.0.1:6379',
    WOMPI_BASE_URL: 'https://sandbox.wompi.co/v1',
    WOMPI_PUBLIC_KEY: k('pub_test_'),
    WOMPI_PRIVATE_KEY: k('prv_test_'),
    WOMPI_INTEGRITY_SECRET: k('test_integrity_'),
    WOMPI_EVENTS_SECRET: k('test_events_'),
    INTERNAL_API_KEYS: 'orders:0123456789abcdef0123',
  };

  it('names both the production URL and the test key', () => {
    const r = boot({ ...valid, WOMPI_BASE_URL: 'https://production.wompi.co/v1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('WOMPI_BASE_URL');
    expect(r.stderr).toContain('WOMPI_PUBLIC_KEY');
    expect(r.stderr).not.toContain(valid.WOMPI_PRIVATE_KEY);
  });

  it('names all three missing variables at once', () => {
    const r = boot({ ...valid, DATABASE_URL: undefined, WOMPI_EVENTS_SECRET: undefined, INTERNAL_API_KEYS: undefined });
    expect(r.status).toBe(1);
    for (const v of ['DATABASE_URL', 'WOMPI_EVENTS_SECRET', 'INTERNAL_API_KEYS'])
      expect(r.stderr).toContain(`${v} is required`);
    expect(r.stderr).toMatch(/3 problems/);
  });
});

describe('logs of a busy run hold no secret, card number or buyer data', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let child: ChildProcess;
  let output = '';
  let url = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({
      port: 0,
      silent: true,
      cardDelayMs: 100,
      asyncDelayMs: 200,
      retryDelaysMs: [300, 600, 900],
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = testEnv(db, sandbox, {
      PORT: String(port),
      LOG_LEVEL: 'trace',
      WOMPI_EVENTS_SECRET: `${sandbox.keys.eventsSecret},test_events_rotatedOldSecretValue000000`,
    });
    child = spawn(process.execPath, NODE_ARGS, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    await waitFor(
      'the service to be ready',
      async () => (await fetch(`${url}/health/ready`)).status === 200,
      BOOT_BOUND_MS,
      200,
    );
    sandbox.setEventsUrl(`${url}/v1/webhooks/wompi`);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await sandbox?.close();
    await db?.drop();
  });

  it('never writes them, whatever the traffic', async () => {
    const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
    const email = 'private.buyer.7731@example.com';
    const phone = '3991111111';
    const legalId = '1061779338';
    const tokens = await acceptanceTokens(sandbox);
    const token = await cardToken(sandbox);

    // a card payment end to end (API → Wompi → webhook → fulfilment)
    const created = await fetch(`${url}/v1/transactions`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'logs-card-1' },
      body: JSON.stringify({
        amount_in_cents: 2_490_000,
        currency: 'COP',
        customer_email: email,
        ...tokens,
        payment_method: { type: 'CARD', token, installments: 1 },
        customer_data: { phone_number: phone, full_name: 'Juana Perez', legal_id: legalId, legal_id_type: 'CC' },
      }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string };
    await waitFor(
      'the payment to be approved',
      async () => {
        const r = await fetch(`${url}/v1/transactions/${payment.id}`, { headers: auth });
        return ((await r.json()) as { status: string }).status === 'APPROVED';
      },
      20_000,
      200,
    );

    // a Nequi payment with the buyer's phone
    await fetch(`${url}/v1/transactions`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'logs-nequi-1' },
      body: JSON.stringify({
        amount_in_cents: 300_000,
        currency: 'COP',
        customer_email: email,
        ...(await acceptanceTokens(sandbox)),
        payment_method: { type: 'NEQUI', phone_number: phone },
      }),
    });
    // a card number where none belongs (refused by the PAN guard)
    await fetch(`${url}/v1/transactions`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'logs-pan-1' },
      body: JSON.stringify({ amount_in_cents: 300_000, note: '4242 4242 4242 4242' }),
    });
    // wrong credentials, forged webhooks, bad bodies
    await fetch(`${url}/v1/acceptance`, { headers: { authorization: `Bearer ${sandbox.keys.privateKey}` } });
    await fetch(`${url}/v1/webhooks/wompi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-event-checksum': 'ab'.repeat(32) },
      body: JSON.stringify({
        event: 'transaction.updated',
        data: { transaction: { id: '1-2-3', status: 'APPROVED', amount_in_cents: 1, customer_email: email } },
        environment: 'test',
        signature: { properties: ['transaction.id'], checksum: 'ab'.repeat(32) },
        timestamp: 1,
      }),
    });
    await fetch(`${url}/v1/webhooks/wompi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"event": broken',
    });

    // a Nequi token the buyer approves: Wompi's nequi_token.updated webhook is ingested (its
    // inbox key embeds the token id) — the ingest line must be there, the token id not
    const nequi = await nequiToken(sandbox, NEQUI_APPROVES);
    expect(nequi.id).toMatch(/^nequi_test_/);
    await waitFor(
      'the nequi_token.updated event to be stored',
      async () => /"event_type":"nequi_token\.updated"[^\n]*webhook event stored/.test(output) || undefined,
      20_000,
      100,
    );
    const ingestLine = output
      .split('\n')
      .find((l) => l.includes('"event_type":"nequi_token.updated"') && l.includes('webhook event stored'))!;
    expect(ingestLine).toContain('"event_key":"nequi_token.updated:[REDACTED]:APPROVED"');

    const forbidden: Record<string, string> = {
      'private key': sandbox.keys.privateKey,
      'public key': sandbox.keys.publicKey,
      'integrity secret': sandbox.keys.integritySecret,
      'events secret': sandbox.keys.eventsSecret,
      'rotated events secret': 'test_events_rotatedOldSecretValue000000',
      'internal API key': TEST_API_KEY,
      'acceptance token': tokens.acceptance_token,
      'card token': token,
      'Nequi token id': nequi.id,
      'buyer email': email,
      'buyer phone': phone,
      'buyer legal id': legalId,
      'card number': '4242 4242 4242 4242',
      'card number (digits)': '4242424242424242',
    };
    expect(output.length).toBeGreaterThan(500); // the run did log
    for (const [what, value] of Object.entries(forbidden)) {
      expect({ what, found: output.includes(value) }).toEqual({ what, found: false });
    }
    // the payment's ids, which are safe, are there: the logs are useful, not empty
    expect(output).toContain(payment.id.slice(0, 8));
  });
});
