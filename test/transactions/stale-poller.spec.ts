/* Lost webhooks at scale: 1,000 payments PENDING in our store, APPROVED at Wompi, no webhook
 * ever delivered. Two worker processes' pollers settle them all, and never poll one payment from
 * both workers (each worker reaches Wompi through its own counting proxy). How fast (≈30 s on an
 * idle 2-core machine, docs/resilience-shutdown-idempotency-poller.md; the target is in
 * bench/stale-poller.bench.ts) is printed, not asserted: the bound here catches a poller that
 * stops, and is generous for a busy machine. */
import { INestApplication } from '@nestjs/common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { integritySignature } from '../../src/wompi/signatures';
import { testEnv, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { pgQuery } from '../support/services';
import { acceptanceTokens, cardToken, wompiTransactions } from './support';

const PAYMENTS = 1_000;
const SETTLE_BOUND_MS = 240_000;
const AMOUNT = 2_490_000;

/** A pass-through to the sandbox that records every GET /v1/transactions/:id, and which are in flight. */
function countingProxy(
  target: URL,
  worker: string,
  seen: Map<string, string[]>,
  inFlight: Map<string, number>,
  overlaps: string[],
): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const m = req.method === 'GET' ? /^\/v1\/transactions\/([^/?]+)$/.exec(req.url!.split('?')[0]) : null;
    const id = m?.[1];
    if (id) {
      seen.set(id, [...(seen.get(id) ?? []), worker]);
      if ((inFlight.get(id) ?? 0) > 0) overlaps.push(id);
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
    }
    const up = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
        r.on('end', () => id && inFlight.set(id, inFlight.get(id)! - 1));
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
        close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
      }),
    ),
  );
}

async function inParallel<T>(n: number, lanes: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

describe('stale-payment poller: 1,000 lost webhooks, two workers', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  const apps: INestApplication[] = [];
  const proxies: { close: () => Promise<void> }[] = [];

  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const p of proxies) await p.close();
    await sandbox?.close();
    await db?.drop();
  }, 60_000);

  it('settles every payment, each polled by one worker at a time', async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({ port: 0, silent: true, cardDelayMs: 0, asyncDelayMs: 400, retryDelaysMs: [500] }); // no events URL: every webhook is lost

    // the payments, at Wompi (APPROVED) and in our store (PENDING, stale: last touched 2 min ago)
    // the sandbox's transaction ids carry 5 random digits per second, so a few of 1,000 quick
    // creates collide (the later overwrites the earlier); make spares and keep unique ids only
    const ATTEMPTS = PAYMENTS + 60;
    const tokens = await inParallel(ATTEMPTS, 16, async () => ({
      card: await cardToken(sandbox),
      acceptance: await acceptanceTokens(sandbox),
    }));
    const run = Date.now().toString(36);
    const made = await inParallel(ATTEMPTS, 16, async (i) => {
      const reference = `lost-${run}-${i}`;
      const res = await fetch(`${sandbox.baseUrl}/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.keys.privateKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          reference,
          amount_in_cents: AMOUNT,
          currency: 'COP',
          customer_email: 'buyer@example.com',
          ...tokens[i].acceptance,
          payment_method: { type: 'CARD', token: tokens[i].card, installments: 1 },
          signature: integritySignature(
            { reference, amountInCents: AMOUNT, currency: 'COP' },
            sandbox.keys.integritySecret,
          ),
        }),
      });
      if (res.status !== 201) throw new Error(`sandbox create answered ${res.status}: ${await res.text()}`);
      return { reference, wompiId: ((await res.json()) as { data: { id: string } }).data.id };
    });
    const idCount = new Map<string, number>();
    for (const m of made) idCount.set(m.wompiId, (idCount.get(m.wompiId) ?? 0) + 1);
    const created = made.filter((m) => idCount.get(m.wompiId) === 1).slice(0, PAYMENTS);
    expect(created).toHaveLength(PAYMENTS);
    await pgQuery(
      db.url,
      `with p as (
         insert into payments (reference, wompi_reference, caller, status, amount_in_cents, customer_email, payment_method_type, wompi_transaction_id, created_at, updated_at)
         select r, r, 'orders', 'PENDING', $3, 'buyer@example.com', 'CARD', w, now() - interval '2 minutes', now() - interval '2 minutes'
           from unnest($1::text[], $2::text[]) as t(r, w)
         returning id, wompi_transaction_id)
       insert into payment_attempts (payment_id, wompi_transaction_id, status, payment_method_type, amount_in_cents)
       select id, wompi_transaction_id, 'PENDING', 'CARD', $3 from p`,
      [created.map((c) => c.reference), created.map((c) => c.wompiId), AMOUNT],
    );
    await waitFor(
      'the sandbox to approve them all',
      async () => (await wompiTransactions(sandbox, created[PAYMENTS - 1].reference))[0]?.status === 'APPROVED',
      60_000,
      100,
    );

    const seen = new Map<string, string[]>();
    const inFlight = new Map<string, number>();
    const overlaps: string[] = [];
    const t0 = Date.now();
    for (const worker of ['w1', 'w2']) {
      const proxy = await countingProxy(new URL(sandbox.baseUrl), worker, seen, inFlight, overlaps);
      proxies.push(proxy);
      const env = testEnv(db, sandbox, {
        ROLE: 'worker',
        WOMPI_BASE_URL: proxy.baseUrl,
        STALE_POLL_EVERY_MS: '1000',
        LOG_LEVEL: 'error',
      });
      const app = await createApp(loadConfig(env), { bufferLogs: false });
      await app.init();
      apps.push(app);
    }
    const pending = async () =>
      Number(
        (await pgQuery<{ n: string }>(db.url, `select count(*) as n from payments where status = 'PENDING'`))[0].n,
      );
    await waitFor('every payment to settle', async () => (await pending()) === 0, SETTLE_BOUND_MS, 250);
    const ms = Date.now() - t0;

    const perWorker = { w1: 0, w2: 0 } as Record<string, number>;
    for (const ws of seen.values()) for (const w of ws) perWorker[w]++;
    const byBoth = [...seen.values()].filter((ws) => new Set(ws).size > 1).length;
    const twice = [...seen.values()].filter((ws) => ws.length > 1).length;
    process.stdout.write(
      `stale poller: ${PAYMENTS} lost webhooks settled in ${ms} ms by two workers (GETs: ${JSON.stringify(perWorker)}; polled twice: ${twice}; by both workers: ${byBoth}; overlapping: ${overlaps.length})\n`,
    );

    const statuses = await pgQuery<{ status: string; n: string }>(
      db.url,
      `select status, count(*) as n from payments group by status`,
    );
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['APPROVED', PAYMENTS]]);
    expect(seen.size).toBe(PAYMENTS);
    expect(overlaps).toEqual([]);
    expect(byBoth).toBe(0);
    // both workers took part: claiming splits the work instead of duplicating it
    expect(perWorker.w1).toBeGreaterThan(0);
    expect(perWorker.w2).toBeGreaterThan(0);
  }, 480_000); // SETTLE_BOUND_MS + 240 s of setup
});
