/* Service contract, Idempotency-Key: 409 while the first request is in flight, with a Retry-After
 * header saying when to come back (as the problem's retry_after_seconds does). */
import { Client } from 'pg';
import { startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { acceptanceTokens, cardToken } from '../transactions/support';

describe('contract: Idempotency-Key in flight', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: unknown, key: string) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });

  it('answers 409 with Retry-After while the first request is in flight', async () => {
    const [acc, token] = await Promise.all([acceptanceTokens(t.sandbox), cardToken(t.sandbox)]);
    const key = `inflight-${Math.random()}`;
    const body = {
      payment_method: { type: 'CARD', token, installments: 1 },
      amount_in_cents: 2500000,
      currency: 'COP',
      customer_email: 'b@example.com',
      ...acc,
    };
    // the first request is held (its payment insert waits on a table lock) until the test lets it
    // go: in flight for as long as the test needs, however slow the machine
    const lock = new Client({ connectionString: t.db.url });
    await lock.connect();
    let first!: Promise<Response>;
    try {
      await lock.query('begin');
      await lock.query('lock table payments in exclusive mode');
      first = post('/v1/transactions', body, key);
      await waitFor(
        'the first request to claim its key',
        async () =>
          (
            await pgQuery<{ state: string }>(
              t.db.url,
              `select state from idempotency_keys where caller = $1 and key = $2`,
              [TEST_CALLER, key],
            )
          )[0]?.state === 'IN_FLIGHT',
        30_000,
        50,
      );
      const second = await post('/v1/transactions', body, key);
      expect(second.status).toBe(409);
      expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await lock.query('rollback').catch(() => undefined);
      await lock.end();
    }
    expect((await first).status).toBe(201);
  });
});
