/* Issue 13: the ingress answers 200 once the event is in Postgres, and nothing else is needed
 * for it to be processed. An api process that never reached Redis (so its relay could not hand
 * the row to Bull: the same state as a process killed right after its 200) is SIGKILLed after
 * the sandbox's signed delivery was stored; a fresh process finds the row and applies it. */
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { TEST_API_KEY, testEnv, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/own-redis';
import { pgQuery } from '../support/services';
import { ServiceProcess, startService } from '../roles/support';
import { cardBody } from '../transactions/support';

describe('webhook ingress: a 200 is durable', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({ port: 0, silent: true, cardDelayMs: 200, retryDelaysMs: [60_000] });
  });

  afterAll(async () => {
    for (const p of procs) await p.kill();
    await sandbox?.close();
    await db?.drop();
  });

  it('an event stored by a process that dies before enqueueing is applied after a restart', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const api = await startService(
      testEnv(db, sandbox, { ROLE: 'api', REDIS_URL: deadRedis, INBOX_SWEEP_AFTER_MS: '1000' }),
    );
    procs.push(api);
    sandbox.setEventsUrl(`${api.url}/v1/webhooks/wompi`);

    const res = await fetch(`${api.url}/v1/transactions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'content-type': 'application/json',
        'idempotency-key': `durable-${Date.now()}`,
      },
      body: JSON.stringify(await cardBody(sandbox)),
    });
    expect(res.status).toBe(201);
    const payment = (await res.json()) as { id: string; wompi_transaction_id: string };

    // the sandbox's signed delivery is stored (and answered 200); the relay cannot reach Redis
    const row = await waitFor(
      'the delivery to be stored',
      async () => {
        const [r] = await pgQuery<{ id: string; status: string; enqueued_at: Date | null }>(
          db.url,
          `select id, status, enqueued_at from webhook_inbox where event_key like $1`,
          [`transaction.updated:${payment.wompi_transaction_id}:%`],
        );
        return r;
      },
      20_000,
    );
    expect(row).toMatchObject({ status: 'RECEIVED', enqueued_at: null });
    await api.kill(); // SIGKILL: nothing runs after this

    const [before] = await pgQuery<{ status: string }>(db.url, `select status from payments where id = $1`, [
      payment.id,
    ]);
    expect(before.status).toBe('PENDING');

    const worker = await startService(testEnv(db, sandbox, { ROLE: 'all', INBOX_SWEEP_AFTER_MS: '1000' }));
    procs.push(worker);
    const applied = await waitFor(
      'the stored event to be applied after the restart',
      async () => {
        const [p] = await pgQuery<{ status: string }>(db.url, `select status from payments where id = $1`, [
          payment.id,
        ]);
        const [i] = await pgQuery<{ status: string }>(db.url, `select status from webhook_inbox where id = $1`, [
          row.id,
        ]);
        return p.status === 'APPROVED' && i.status === 'PROCESSED' && { p, i };
      },
      30_000,
    );
    expect(applied.p.status).toBe('APPROVED');
    const [{ n }] = await pgQuery<{ n: number }>(
      db.url,
      `select count(*)::int as n from fulfilments where payment_id = $1`,
      [payment.id],
    );
    expect(n).toBe(1);
  }, 480_000); // two boots: 2 × BOOT_BOUND_MS + 120 s
});
