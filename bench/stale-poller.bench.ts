/* Lost webhooks at scale: how fast two workers' stale-payment pollers settle 1,000 payments
 * PENDING in our store and APPROVED at Wompi, with no webhook ever delivered. The speed target
 * (docs/resilience-shutdown-idempotency-poller.md: ≈30 s on a 2-core machine, expected ≈25 s at
 * 2 × STALE_POLL_RATE_PER_S) lives here; test/transactions/stale-poller.spec.ts checks the
 * behaviour (every payment settled, none polled by both workers) with a bound that only catches
 * a poller that stops. */
import { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/load-config';
import { startSandbox } from '../src/sandbox/start-sandbox';
import { integritySignature } from '../src/wompi/signatures';
import { benchEnv, BenchContext, BenchResult, createBenchDatabase, newApiKey } from './support';

const PAYMENTS = 1_000;
const WORKERS = 2;
const AMOUNT = 2_490_000;
const TARGET_MS = 60_000;
const BOUND_MS = 300_000;

async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

interface Merchant {
  data: {
    presigned_acceptance: { acceptance_token: string };
    presigned_personal_data_auth: { acceptance_token: string };
  };
}

async function json<T>(res: Response): Promise<T> {
  if (res.status >= 300) throw new Error(`${res.url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const db = await createBenchDatabase();
  // no events URL: every webhook is lost
  const sandbox = await startSandbox({
    port: 0,
    silent: true,
    cardDelayMs: 0,
    asyncDelayMs: 400,
    retryDelaysMs: [500],
  });
  const pool = new Pool({ connectionString: db.url, max: 3 });
  const apps: INestApplication[] = [];
  try {
    // the sandbox's transaction ids carry 5 random digits per second: make spares, keep unique ids
    const attempts = PAYMENTS + 60;
    const run = Date.now().toString(36);
    const made = await inParallel(attempts, 16, async (i) => {
      const acceptance = await json<Merchant>(await fetch(`${sandbox.baseUrl}/merchants/${sandbox.keys.publicKey}`));
      const card = await json<{ data: { id: string } }>(
        await fetch(`${sandbox.baseUrl}/tokens/cards`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sandbox.keys.publicKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            number: '4242424242424242',
            cvc: '123',
            exp_month: '12',
            exp_year: '35',
            card_holder: 'Juana Perez',
          }),
        }),
      );
      const reference = `bench-lost-${run}-${i}`;
      const tx = await json<{ data: { id: string } }>(
        await fetch(`${sandbox.baseUrl}/transactions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sandbox.keys.privateKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            reference,
            amount_in_cents: AMOUNT,
            currency: 'COP',
            customer_email: 'buyer@example.com',
            acceptance_token: acceptance.data.presigned_acceptance.acceptance_token,
            accept_personal_auth: acceptance.data.presigned_personal_data_auth.acceptance_token,
            payment_method: { type: 'CARD', token: card.data.id, installments: 1 },
            signature: integritySignature(
              { reference, amountInCents: AMOUNT, currency: 'COP' },
              sandbox.keys.integritySecret,
            ),
          }),
        }),
      );
      return { reference, wompiId: tx.data.id };
    });
    const idCount = new Map<string, number>();
    for (const m of made) idCount.set(m.wompiId, (idCount.get(m.wompiId) ?? 0) + 1);
    const created = made.filter((m) => idCount.get(m.wompiId) === 1).slice(0, PAYMENTS);
    if (created.length !== PAYMENTS) throw new Error(`only ${created.length} unique sandbox transactions`);
    await pool.query(
      `with p as (
         insert into payments (reference, wompi_reference, caller, status, amount_in_cents, customer_email, payment_method_type, wompi_transaction_id, created_at, updated_at)
         select r, r, 'bench', 'PENDING', $3, 'buyer@example.com', 'CARD', w, now() - interval '2 minutes', now() - interval '2 minutes'
           from unnest($1::text[], $2::text[]) as t(r, w)
         returning id, wompi_transaction_id)
       insert into payment_attempts (payment_id, wompi_transaction_id, status, payment_method_type, amount_in_cents)
       select id, wompi_transaction_id, 'PENDING', 'CARD', $3 from p`,
      [created.map((c) => c.reference), created.map((c) => c.wompiId), AMOUNT],
    );
    ctx.log(`stale-poller: ${PAYMENTS} payments PENDING here, APPROVED at the sandbox; starting ${WORKERS} workers`);

    const t0 = Date.now();
    const apiKey = newApiKey();
    for (let w = 0; w < WORKERS; w++) {
      const env = benchEnv(db, sandbox, apiKey, { ROLE: 'worker', STALE_POLL_EVERY_MS: '1000' });
      const app = await createApp(loadConfig(env), { bufferLogs: false });
      await app.init();
      apps.push(app);
    }
    const pending = async () =>
      Number(
        (await pool.query<{ n: string }>(`select count(*) as n from payments where status = 'PENDING'`)).rows[0].n,
      );
    while ((await pending()) > 0) {
      if (Date.now() - t0 > BOUND_MS) throw new Error(`not settled within ${BOUND_MS} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const ms = Date.now() - t0;
    const rate = (PAYMENTS / ms) * 1000;
    return [
      {
        bench: 'stale-poller',
        metric: 'settle 1,000 lost webhooks (2 workers)',
        value: ms / 1000,
        unit: 's',
        n: PAYMENTS,
        notes: `target < ${TARGET_MS / 1000} s${ms < TARGET_MS ? '' : ' MISSED'}; STALE_POLL_EVERY_MS=1000, default pace`,
      },
      { bench: 'stale-poller', metric: 'settle rate', value: rate, unit: 'payments/s', n: PAYMENTS },
    ];
  } finally {
    for (const a of apps) await a.close();
    await pool.end();
    await sandbox.close();
    await db.drop();
  }
}
