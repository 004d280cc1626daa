/* Redis (Bull) stopped while Wompi delivers: the event is stored and answered 200, and is
 * processed after Redis returns (the sweeper re-enqueues it). Uses a redis-server of its own. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { OwnRedis } from '../support/own-redis';
import { pgQuery } from '../support/services';
import { Api, cardBody, APPROVED_CARD } from '../transactions/support';
import { checksum, deliver, inboxRow, Json } from './support';

describe('webhook ingress: Redis down during delivery', () => {
  let redis: OwnRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await OwnRedis.create();
    t = await startTestApp({ wireWebhooks: false, env: { REDIS_URL: redis.url, INBOX_SWEEP_AFTER_MS: '1000' } });
  });
  afterAll(async () => {
    await redis?.start().catch(() => undefined); // let Bull close cleanly
    await t?.close();
    await redis?.stop();
  });

  it('answers 200 with Redis stopped, then processes the event once Redis is back', async () => {
    const api = new Api(t);
    const created = await api.create(await cardBody(t.sandbox, APPROVED_CARD));
    expect(created.status).toBe(201);
    const wompiId = String(created.body.wompi_transaction_id);
    const tx = await waitFor(
      'the sandbox to approve',
      async () => {
        const r = await fetch(`${t.sandbox.baseUrl}/transactions/${wompiId}`, {
          headers: { authorization: `Bearer ${t.sandbox.keys.privateKey}` },
        });
        const body = (await r.json()) as Json;
        return body.data?.status === 'APPROVED' ? body.data : undefined;
      },
      10_000,
    );
    const ev: Json = {
      event: 'transaction.updated',
      data: { transaction: tx },
      sent_at: new Date().toISOString(),
      timestamp: Math.floor(Date.now() / 1000),
      signature: { checksum: '', properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'] },
      environment: 'test',
    };
    ev.signature.checksum = checksum(ev as never, t.sandbox.keys.eventsSecret);
    const key = `transaction.updated:${wompiId}:APPROVED`;

    await redis.stop();
    const started = Date.now();
    const res = await deliver(t, ev);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(15_000); // the enqueue is bounded, not hung (generous: a busy machine)
    const stored = await inboxRow(t, key);
    // durable but not processed (enqueued_at may flicker: the sweeper claims, fails and unclaims)
    expect(stored?.status).toBe('RECEIVED');
    // a redelivery while Redis is still down is a duplicate, still 200
    expect((await deliver(t, ev)).status).toBe(200);

    await redis.start();
    const done = await waitFor(
      'the event to be processed after Redis returns',
      async () => {
        const [r] = await pgQuery<{ status: string; enqueued_at: Date | null }>(
          t.db.url,
          `select status, enqueued_at from webhook_inbox where id = $1`,
          [stored!.id],
        );
        return r.status === 'PROCESSED' ? r : undefined;
      },
      45_000,
      200,
    );
    expect(done.enqueued_at).toBeInstanceOf(Date);
    expect((await inboxRow(t, key))?.delivery_count).toBe(2);
    const history = await pgQuery<{ source: string }>(
      t.db.url,
      `select source from payment_status_history where payment_id = $1 and to_status = 'APPROVED'`,
      [created.body.id],
    );
    expect(history).toHaveLength(1);
  });
});
