/* Storing an idempotent response hits a dropped database connection (the store's own backend
 * is terminated, as in a failover or an ECONNRESET): the caller still gets its 201, and a
 * retry with the same key gets the same payment at once — never a 409 for the lease's length,
 * never a second Wompi transaction. */
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { pgQuery } from '../support/services';
import { Api, cardBody, wompiTransactions } from '../transactions/support';

/**
 * The next `times` attempts to mark an idempotency key COMPLETED lose their connection: the
 * trigger terminates the very backend running the update (a real connection drop, seen by the
 * app as the connection ending under its query). The sequence counts across rolled-back attempts.
 */
async function dropConnectionOnComplete(dbUrl: string, times: number): Promise<void> {
  await pgQuery(dbUrl, `drop trigger if exists test_drop_on_complete on idempotency_keys`);
  await pgQuery(dbUrl, `drop sequence if exists test_complete_attempts`);
  await pgQuery(dbUrl, `create sequence test_complete_attempts`);
  await pgQuery(
    dbUrl,
    `create or replace function test_drop_on_complete() returns trigger language plpgsql as $$
     begin
       if new.state = 'COMPLETED' and old.state = 'IN_FLIGHT' and nextval('test_complete_attempts') <= ${times} then
         perform pg_terminate_backend(pg_backend_pid());
         perform pg_sleep(5); -- the termination interrupts this
       end if;
       return new;
     end $$`,
  );
  await pgQuery(
    dbUrl,
    `create trigger test_drop_on_complete before update on idempotency_keys for each row execute function test_drop_on_complete()`,
  );
}

const attempts = async (dbUrl: string) =>
  Number((await pgQuery<{ n: string }>(dbUrl, `select last_value as n from test_complete_attempts`))[0].n);

describe('idempotency: storing the response fails', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp();
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  it('a dropped connection on the first attempt: the store is retried and a retry replays the stored answer', async () => {
    await dropConnectionOnComplete(t.db.url, 1);
    const key = randomUUID();
    const body = await cardBody(t.sandbox);
    const first = await api.create(body, key);
    expect(first.status).toBe(201);
    expect(await attempts(t.db.url)).toBeGreaterThanOrEqual(2);

    const retry = await api.create(body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(await wompiTransactions(t.sandbox, String(first.body.wompi_reference))).toHaveLength(1);
  });

  it('every attempt dropped: the key is released, and a retry runs again and finds the same payment', async () => {
    await dropConnectionOnComplete(t.db.url, 1_000);
    const key = randomUUID();
    const body = await cardBody(t.sandbox);
    const first = await api.create(body, key);
    expect(first.status).toBe(201);
    // not left in flight
    expect(await pgQuery(t.db.url, `select state from idempotency_keys where key = $1`, [key])).toEqual([]);

    const retry = await api.create(body, key);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.reference).toBe(first.body.reference);
    expect(retry.body.wompi_transaction_id).toBe(first.body.wompi_transaction_id);
    expect(await wompiTransactions(t.sandbox, String(first.body.wompi_reference))).toHaveLength(1);

    // once the database is healthy again, the key settles as usual
    await pgQuery(t.db.url, `drop trigger test_drop_on_complete on idempotency_keys`);
    const third = await api.create(body, key);
    expect(third.status).toBe(201);
    expect(third.body.id).toBe(first.body.id);
    const replay = await api.create(body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
  });
});
