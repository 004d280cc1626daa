/* Operators: GET /v1/webhooks/events and POST /v1/webhooks/events/:id/replay (internal auth);
 * and the sweeper that re-enqueues stored events the queue never got. */
import { randomBytes } from 'node:crypto';
import { startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { deliver, Json, metricValue, QueuePeek, signedEvent } from './support';

const SWEEP_AFTER_MS = 10_000;

describe('webhook operators and sweeper', () => {
  let t: TestApp;
  let peek: QueuePeek;
  beforeAll(async () => {
    t = await startTestApp({
      wireWebhooks: false,
      // A generous bound: a row whose job is merely slow (a busy machine) must not be swept while
      // it is processed, or a replay gets a second job. The sweeper tests stamp their rows far
      // from due and make them due explicitly instead of racing the sweep interval (5 s here).
      env: { INBOX_SWEEP_AFTER_MS: String(SWEEP_AFTER_MS), OPERATOR_CALLERS: TEST_CALLER },
    });
    peek = new QueuePeek(t);
  });
  afterAll(async () => {
    await peek?.close();
    await t?.close();
  });

  const get = async (path: string, auth = true) => {
    const res = await fetch(`${t.url}${path}`, { headers: auth ? t.auth : {} });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const post = async (path: string, auth = true) => {
    const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: auth ? t.auth : {} });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const unknownEvent = () =>
    signedEvent(t.sandbox.keys.eventsSecret, {
      event: 'payout.updated',
      data: { payout: { id: `po_${randomBytes(4).toString('hex')}`, status: 'PAID' } },
      properties: ['payout.id', 'payout.status'],
    });

  it('requires the internal API key', async () => {
    expect((await get('/v1/webhooks/events', false)).status).toBe(401);
    expect((await post('/v1/webhooks/events/00000000-0000-4000-8000-000000000000/replay', false)).status).toBe(401);
  });

  it('lists rows newest first without bodies, filters by status and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) expect((await deliver(t, unknownEvent())).status).toBe(200);
    const all = await get('/v1/webhooks/events?status=IGNORED&limit=2');
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(2);
    expect(Object.keys(all.body.data[0]).sort()).toEqual([
      'attempts',
      'delivery_count',
      'enqueued_at',
      'event_key',
      'event_type',
      'id',
      'last_error',
      'last_received_at',
      'processed_at',
      'received_at',
      'status',
    ]);
    expect(all.body.data[0]).toMatchObject({ event_type: 'payout.updated', status: 'IGNORED', delivery_count: 1 });
    expect(typeof all.body.next_cursor).toBe('string');

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r = await get(`/v1/webhooks/events?status=IGNORED&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.data.map((e: Json) => e.id));
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const times = (await get('/v1/webhooks/events?status=IGNORED&limit=200')).body.data.map((e: Json) =>
      Date.parse(e.received_at),
    );
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await get('/v1/webhooks/events?status=PROCESSED')).body.data).toEqual([]);
  });

  it('refuses a bad status, limit or cursor with 400 naming the field', async () => {
    const r = await get('/v1/webhooks/events?status=NOPE&limit=0');
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors).sort()).toEqual(['limit', 'status']);
    const c = await get('/v1/webhooks/events?cursor=not-a-cursor');
    expect(c.status).toBe(400);
    expect(Object.keys(c.body.errors)).toEqual(['cursor']);
  });

  it('replay: 404 for an unknown id, 400 naming id for a malformed one', async () => {
    expect((await post('/v1/webhooks/events/00000000-0000-4000-8000-000000000000/replay')).status).toBe(404);
    expect((await post('/v1/webhooks/events/not-a-uuid/replay')).status).toBe(400);
  });

  it('replay: the row goes back to RECEIVED, gets a fresh job and is processed again', async () => {
    expect((await deliver(t, unknownEvent())).status).toBe(200);
    const [row] = (await get('/v1/webhooks/events?status=IGNORED&limit=1')).body.data;
    const r = await post(`/v1/webhooks/events/${row.id}/replay`);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ enqueued: true, event: { id: row.id, status: 'RECEIVED', processed_at: null } });
    expect(r.body.event.enqueued_at).toEqual(expect.any(String));
    // the processor handles it (an unsupported type ends IGNORED again, one more attempt)
    const again = await waitFor(
      'the replayed row to be handled',
      async () => {
        const [x] = await pgQuery<{ status: string; attempts: number }>(
          t.db.url,
          `select status, attempts from webhook_inbox where id = $1`,
          [row.id],
        );
        return x.status !== 'RECEIVED' ? x : undefined;
      },
      30_000,
    );
    expect(again).toEqual({ status: 'IGNORED', attempts: 1 });
    // listed once the job has settled (a job moving between Bull's lists can be missed mid-move)
    const jobs = await peek.jobsFor(row.id);
    expect(jobs.map((j) => j.id)).toEqual([expect.stringMatching(new RegExp(`^inbox:${row.id}:replay:\\d+$`))]);
  });

  it('sweeper: a RECEIVED row the queue never got is enqueued and processed; the lag gauge follows', async () => {
    const ev = unknownEvent();
    ev.event = 'bancolombia_transfer_token.updated';
    const insertedAt = Date.now();
    const [row] = await pgQuery<{ id: string }>(
      t.db.url,
      // received 30 s ago; stamped as enqueued in the future (a job still holding it), so no sweep
      // takes it before the gauge has been read, however slow the machine
      `insert into webhook_inbox (event_key, event_type, environment, checksum, signed_timestamp, raw_body, payload, received_at, enqueued_at)
       values ($1, $2, 'test', $3, $4, $5::text, $5::text::jsonb, now() - interval '30 seconds', now() + interval '1 hour') returning id`,
      [`sweep-test:${randomBytes(4).toString('hex')}`, ev.event, 'a'.repeat(64), ev.timestamp, JSON.stringify(ev)],
    );
    const lag = await waitFor(
      'the lag gauge to see the old row',
      async () => {
        const v = await metricValue(t, 'webhook_inbox_lag_seconds');
        return v >= 29 ? v : undefined;
      },
      30_000,
      100,
    );
    // the gauge is the row's age: 30 s plus however long it took to read it
    expect(lag).toBeLessThanOrEqual(30 + (Date.now() - insertedAt) / 1000 + 1);
    // now its job is lost: enqueued longer ago than the bound
    await pgQuery(t.db.url, `update webhook_inbox set enqueued_at = now() - interval '1 hour' where id = $1`, [row.id]);
    const handled = await waitFor(
      'the sweeper to enqueue and the processor to handle the row',
      async () => {
        const [x] = await pgQuery<{ status: string; enqueued_at: Date | null }>(
          t.db.url,
          `select status, enqueued_at from webhook_inbox where id = $1`,
          [row.id],
        );
        return x.status !== 'RECEIVED' ? x : undefined;
      },
      30_000,
      100,
    );
    expect(handled.enqueued_at).toBeInstanceOf(Date);
    const jobs = await peek.jobsFor(row.id);
    expect(jobs.map((j) => j.id)).toEqual([expect.stringMatching(new RegExp(`^inbox:${row.id}:sweep:\\d+$`))]);
    await waitFor(
      'the lag gauge to drop',
      async () => (await metricValue(t, 'webhook_inbox_lag_seconds')) < 5,
      30_000,
      200,
    );
  });

  it('sweeper: a FAILED row whose Bull job was lost (Redis restart) is picked up again, not a fresh one', async () => {
    const ev = unknownEvent();
    ev.event = 'bancolombia_transfer_token.updated';
    const insert = (enqueuedAgo: string) =>
      pgQuery<{ id: string }>(
        t.db.url,
        `insert into webhook_inbox (event_key, event_type, environment, checksum, signed_timestamp, raw_body, payload, status, attempts, last_error, received_at, enqueued_at)
         values ($1, $2, 'test', $3, $4, $5::text, $5::text::jsonb, 'FAILED', 1, 'transient', now() - interval '1 hour', now() - interval '${enqueuedAgo}') returning id`,
        [`sweep-failed:${randomBytes(4).toString('hex')}`, ev.event, 'a'.repeat(64), ev.timestamp, JSON.stringify(ev)],
      ).then((r) => r[0]);
    // a FAILED row is orphaned after 10 bounds (100 s here) without a new enqueue
    const lost = await insert('1 hour');
    const retrying = await insert('-1 hour'); // (stamped ahead so a slow run can't make it due)
    const handled = await waitFor(
      'the sweeper to re-enqueue the orphaned FAILED row',
      async () => {
        const [x] = await pgQuery<{ status: string }>(t.db.url, `select status from webhook_inbox where id = $1`, [
          lost.id,
        ]);
        return x.status !== 'FAILED' ? x : undefined;
      },
      30_000,
      100,
    );
    expect(handled.status).toBe('PROCESSED');
    const [still] = await pgQuery<{ status: string }>(t.db.url, `select status from webhook_inbox where id = $1`, [
      retrying.id,
    ]);
    expect(still.status).toBe('FAILED'); // its job is still retrying it: left alone for now
  });
});
