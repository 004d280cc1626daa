/* The buyer-retry window (docs/buyer-retry-and-horizons.md). A checkout (Widget) payment whose
 * attempt is DECLINED/ERROR is recorded at once, but its event is held for BUYER_RETRY_WINDOW_S
 * (a held outbox row): the Widget's "reintento" approved within the window wins and consumers
 * see only transaction.approved; a lone DECLINED is published after the window — also when the
 * worker that recorded it is gone and another one takes over. Direct API payments publish at once. */
import { INestApplication } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import { startTestApp, TestApp, testEnv, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { pgQuery } from '../support/services';
import { Json, newKey } from '../idempotency/helpers';
import { BusObserver, observeBus } from '../fulfilment/support';
import { Api, cardBody, DECLINED_CARD } from '../transactions/support';
import { payInWidget, widgetRetry } from './support';

const WINDOW_S = 4;
const ENV = { BUYER_RETRY_WINDOW_S: String(WINDOW_S), OUTBOX_POLL_MS: '100' };

interface OutboxRow {
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
}
const outboxOf = (dbUrl: string, paymentId: string) =>
  pgQuery<OutboxRow>(
    dbUrl,
    'select event_type, status, attempts, next_attempt_at, created_at, sent_at from outbox where aggregate_id = $1 order by id',
    [paymentId],
  );
const paymentOf = async (dbUrl: string, id: string) =>
  (
    await pgQuery<{ status: string; retryable_until: Date | null }>(
      dbUrl,
      'select status, retryable_until from payments where id = $1',
      [id],
    )
  )[0];

async function newSession(url: string, auth: { Authorization: string }): Promise<Json> {
  const res = await fetch(`${url}/v1/checkout-sessions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': newKey('brw') },
    body: JSON.stringify({
      amount_in_cents: 4_200_000,
      currency: 'COP',
      expiration_time: new Date(Date.now() + 600_000).toISOString(),
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Json;
}

const forPayment = (bus: BusObserver, id: string) =>
  bus.messages.filter((m) => m.event.data.id === id).map((m) => m.routingKey);

describe('buyer-retry window: a checkout failure is held, an approval within the window wins', () => {
  let t: TestApp;
  let bus: BusObserver;

  beforeAll(async () => {
    t = await startTestApp({ env: ENV });
    bus = await observeBus(t.config.amqpExchange);
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  it('DECLINED then a Widget retry APPROVED within the window: consumers see only transaction.approved', async () => {
    const s = await newSession(t.url, t.auth);
    const first = await payInWidget(t, s, 'DECLINED');
    await waitFor('the DECLINED recorded', async () => (await paymentOf(t.db.url, s.id)).status === 'DECLINED', 15_000);

    // recorded, and shown as it is, with the end of the window; the event is held
    const view = (await (await fetch(`${t.url}/v1/transactions/${s.id}`, { headers: t.auth })).json()) as Json;
    expect(view.status).toBe('DECLINED');
    expect(Date.parse(view.retryable_until)).toBeGreaterThan(Date.now());
    const [held] = await outboxOf(t.db.url, s.id);
    expect(held).toMatchObject({ event_type: 'transaction.declined', status: 'PENDING', attempts: 0 });
    expect(held.next_attempt_at.getTime()).toBe(Date.parse(view.retryable_until));

    const retry = await widgetRetry(t, first, 'APPROVED');
    await bus.waitForCount(1);
    await waitFor(
      'transaction.approved on the bus',
      async () => forPayment(bus, s.id).includes('transaction.approved'),
      15_000,
    );
    // the held failure can never leave now: superseded before anyone claimed it
    expect((await outboxOf(t.db.url, s.id)).map((r) => [r.event_type, r.status])).toEqual([
      ['transaction.declined', 'SUPERSEDED'],
      ['transaction.approved', 'SENT'],
    ]);
    expect(forPayment(bus, s.id)).toEqual(['transaction.approved']);
    expect(await paymentOf(t.db.url, s.id)).toEqual({ status: 'APPROVED', retryable_until: null });
    const approved = bus.messages.find((m) => m.event.data.id === s.id)!;
    expect(approved.event.data).toMatchObject({
      status: 'APPROVED',
      wompi_transaction_id: retry.id,
      retryable_until: null,
    });
  });

  it('a lone DECLINED is published once, after the window', async () => {
    const s = await newSession(t.url, t.auth);
    await payInWidget(t, s, 'DECLINED');
    await waitFor('the DECLINED recorded', async () => (await paymentOf(t.db.url, s.id)).status === 'DECLINED', 15_000);
    const { retryable_until } = await paymentOf(t.db.url, s.id);
    await waitFor(
      'transaction.declined on the bus',
      async () => forPayment(bus, s.id).includes('transaction.declined'),
      (WINDOW_S + 15) * 1000,
    );
    // the relay marks the row SENT once the broker confirmed, which can be after the consumer got it
    const [row] = await waitFor(
      'the outbox row marked SENT',
      async () => {
        const rows = await outboxOf(t.db.url, s.id);
        return rows[0]?.status === 'SENT' ? rows : undefined;
      },
      15_000,
    );
    expect(row).toMatchObject({ event_type: 'transaction.declined', status: 'SENT', attempts: 1 });
    // the database's own clock: not claimed before the window ended
    expect(row.sent_at!.getTime()).toBeGreaterThanOrEqual(retryable_until!.getTime());
    expect(row.sent_at!.getTime() - row.created_at.getTime()).toBeGreaterThanOrEqual(WINDOW_S * 1000 - 50);
    expect(forPayment(bus, s.id)).toEqual(['transaction.declined']);
  });

  it('an ERROR is held the same way', async () => {
    const s = await newSession(t.url, t.auth);
    await payInWidget(t, s, 'ERROR');
    await waitFor('the ERROR recorded', async () => (await paymentOf(t.db.url, s.id)).status === 'ERROR', 15_000);
    await waitFor(
      'transaction.error on the bus',
      async () => forPayment(bus, s.id).includes('transaction.error'),
      (WINDOW_S + 15) * 1000,
    );
    // the relay marks the row SENT once the broker confirmed, which can be after the consumer got it
    const [row] = await waitFor(
      'the outbox row marked SENT',
      async () => {
        const rows = await outboxOf(t.db.url, s.id);
        return rows[0]?.status === 'SENT' ? rows : undefined;
      },
      15_000,
    );
    expect(row).toMatchObject({ event_type: 'transaction.error', status: 'SENT' });
    expect(row.sent_at!.getTime() - row.created_at.getTime()).toBeGreaterThanOrEqual(WINDOW_S * 1000 - 50);
  });

  it('a direct API payment (no buyer retry) publishes its DECLINED at once', async () => {
    const api = new Api(t);
    const r = await api.create(await cardBody(t.sandbox, DECLINED_CARD));
    expect(r.status).toBe(201);
    const id = String(r.body.id);
    await waitFor(
      'transaction.declined on the bus',
      async () => forPayment(bus, id).includes('transaction.declined'),
      15_000,
    );
    const [row] = await outboxOf(t.db.url, id);
    expect(row.sent_at!.getTime() - row.created_at.getTime()).toBeLessThan(WINDOW_S * 1000);
    expect((await paymentOf(t.db.url, id)).retryable_until).toBeNull();
  });
});

describe('buyer-retry window: across a worker restart', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let bus: BusObserver | undefined;
  const apps: INestApplication[] = [];

  afterAll(async () => {
    sandbox?.setEventsUrl(undefined);
    for (const a of apps) await a.close().catch(() => undefined);
    await bus?.close();
    await sandbox?.close();
    await db?.drop();
  }, 30_000);

  async function boot(env: Record<string, string | undefined>): Promise<{ app: INestApplication; url: string }> {
    const app = await createApp(loadConfig(env), { bufferLogs: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    sandbox.setEventsUrl(`${url}/v1/webhooks/wompi`);
    return { app, url };
  }

  it('the held DECLINED is published once by the next worker, after the window', async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({
      port: 0,
      silent: true,
      cardDelayMs: 200,
      asyncDelayMs: 400,
      retryDelaysMs: [500, 1000, 2000],
    });
    const env = testEnv(db, sandbox, { ...ENV, BUYER_RETRY_WINDOW_S: '6' });
    const { TEST_API_KEY } = await import('../support/app');
    const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
    bus = await observeBus(loadConfig(env).amqpExchange);

    const first = await boot(env);
    const s = await newSession(first.url, auth);
    await payInWidget({ sandbox }, s, 'DECLINED');
    await waitFor('the DECLINED recorded', async () => (await paymentOf(db.url, s.id))?.status === 'DECLINED', 15_000);
    await first.app.close();
    apps.splice(apps.indexOf(first.app), 1);
    // the first process ended inside the window: its held event never left
    expect((await outboxOf(db.url, s.id)).map((r) => [r.event_type, r.status, r.attempts])).toEqual([
      ['transaction.declined', 'PENDING', 0],
    ]);
    expect(forPayment(bus, s.id)).toEqual([]);

    await boot(env);
    await waitFor('the outbox row SENT', async () => (await outboxOf(db.url, s.id))[0].status === 'SENT', 30_000);
    await waitFor('transaction.declined on the bus', async () => forPayment(bus!, s.id).length > 0, 10_000);
    const [row] = await outboxOf(db.url, s.id);
    expect(row.attempts).toBe(1);
    expect(row.sent_at!.getTime() - row.created_at.getTime()).toBeGreaterThanOrEqual(6000 - 50);
    expect(forPayment(bus, s.id)).toEqual(['transaction.declined']);
  }, 90_000);
});
