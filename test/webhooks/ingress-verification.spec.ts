/* POST /v1/webhooks/wompi: what is refused (and leaves nothing behind), what is accepted. */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { startTestApp, TEST_CALLER, TestApp, waitFor } from '../support/app';
import { deliver, inboxRow, inboxRows, Json, metricValue, QueuePeek, signedEvent } from './support';

describe('webhook ingress: verification', () => {
  let t: TestApp;
  let secret: string;
  let peek: QueuePeek;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { OPERATOR_CALLERS: TEST_CALLER } });
    secret = t.sandbox.keys.eventsSecret;
    peek = new QueuePeek(t);
  });
  afterAll(async () => {
    await peek?.close();
    await t?.close();
  });

  const keyOf = (ev: Json) => `transaction.updated:${ev.data.transaction.id}:${ev.data.transaction.status}`;

  it('a signed event → exactly 200 with a tiny JSON body, stored RECEIVED with its raw body, and enqueued', async () => {
    const ev = signedEvent(secret);
    const raw = JSON.stringify(ev);
    const res = await deliver(t, raw);
    expect(res.status).toBe(200); // not 201/204: Wompi counts only 200 as delivered
    expect(res.body).toEqual({ received: true });
    expect(res.text.length).toBeLessThan(64);

    // durable before the answer; the relay hands it to Bull right after (off the request path)
    expect(await inboxRow(t, keyOf(ev))).toBeDefined();
    const row = await waitFor(
      'the relay to enqueue the stored row',
      async () => (await inboxRow(t, keyOf(ev)))?.enqueued_at && inboxRow(t, keyOf(ev)),
      20_000,
    );
    expect(row).toMatchObject({
      event_type: 'transaction.updated',
      environment: 'test',
      checksum: ev.signature.checksum,
      signed_timestamp: String(ev.timestamp),
      raw_body: raw,
      delivery_count: 1,
    });
    expect(['RECEIVED', 'PROCESSED', 'IGNORED', 'FAILED']).toContain(row!.status);
    expect(row!.payload).toEqual(ev);
    expect(row!.enqueued_at).toBeInstanceOf(Date);
    const job = await peek.job(`inbox:${row!.id}`);
    expect(job?.name).toBe('apply-event');
    expect(job?.data).toEqual({ inboxId: row!.id });
  });

  it('a tampered amount → 401 problem, nothing stored, counted as bad_checksum', async () => {
    const before = await metricValue(t, 'webhook_events_rejected_total', '{reason="bad_checksum"}');
    const ev = signedEvent(secret, { amount: 100_000 });
    ev.data.transaction.amount_in_cents = 1; // the buyer paid 1 cent, the forger claims the price
    const res = await deliver(t, ev);
    expect(res.status).toBe(401);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'INVALID_SIGNATURE', reason: 'bad_checksum' });
    expect(await inboxRow(t, keyOf(ev))).toBeUndefined();
    expect(await metricValue(t, 'webhook_events_rejected_total', '{reason="bad_checksum"}')).toBe(before + 1);
  });

  it('a checksum signed with another secret → 401', async () => {
    const ev = signedEvent('test_events_not_ours');
    expect((await deliver(t, ev)).status).toBe(401);
    expect(await inboxRow(t, keyOf(ev))).toBeUndefined();
  });

  it('the checksum only in the X-Event-Checksum header → 200 (uppercase too)', async () => {
    const ev = signedEvent(secret);
    const sum = ev.signature.checksum as string;
    delete ev.signature.checksum;
    const res = await deliver(t, ev, { 'X-Event-Checksum': sum.toUpperCase() });
    expect(res.status).toBe(200);
    expect((await inboxRow(t, keyOf(ev)))?.checksum).toBe(sum);
  });

  it('a wrong header checksum with none in the body → 401', async () => {
    const ev = signedEvent(secret);
    delete ev.signature.checksum;
    expect((await deliver(t, ev, { 'X-Event-Checksum': 'f'.repeat(64) })).status).toBe(401);
  });

  it('no age window: an event signed 23 h ago is accepted (Wompi retries for 24 h)', async () => {
    const ev = signedEvent(secret, { timestamp: Math.floor(Date.now() / 1000) - 23 * 3600 });
    expect((await deliver(t, ev)).status).toBe(200);
  });

  it('a timestamp more than an hour ahead → 401 timestamp_in_future, nothing stored; 50 minutes ahead is fine', async () => {
    const far = signedEvent(secret, { timestamp: Math.floor(Date.now() / 1000) + 2 * 3600 });
    const res = await deliver(t, far);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'EVENT_REJECTED', reason: 'timestamp_in_future' });
    expect(await inboxRow(t, keyOf(far))).toBeUndefined();
    const near = signedEvent(secret, { timestamp: Math.floor(Date.now() / 1000) + 50 * 60 });
    expect((await deliver(t, near)).status).toBe(200);
  });

  it('a correctly signed prod event at a test service → 401 environment_mismatch, nothing stored', async () => {
    const ev = signedEvent(secret, { environment: 'prod' });
    const res = await deliver(t, ev);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'environment_mismatch' });
    expect(await inboxRow(t, keyOf(ev))).toBeUndefined();
  });

  it('an unknown event type → 200, stored IGNORED, not enqueued', async () => {
    const ev = signedEvent(secret, {
      event: 'payout.updated',
      data: { payout: { id: 'po_1', status: 'PAID' } },
      properties: ['payout.id', 'payout.status'],
    });
    const res = await deliver(t, ev);
    expect(res.status).toBe(200);
    const row = (await inboxRows(t)).find((r) => r.event_type === 'payout.updated');
    expect(row).toMatchObject({ status: 'IGNORED', enqueued_at: null });
    expect(row!.event_key).toMatch(/^payout\.updated:[0-9a-f]{64}$/);
    expect(await peek.jobsFor(row!.id)).toHaveLength(0);
    // a redelivery collapses on the same row, still ignored
    expect((await deliver(t, ev)).status).toBe(200);
    expect((await inboxRows(t)).filter((r) => r.event_type === 'payout.updated')).toEqual([
      expect.objectContaining({ id: row!.id, status: 'IGNORED', delivery_count: 2 }),
    ]);
  });

  it('a nequi_token.updated event keys on the token id and status', async () => {
    const ev = signedEvent(secret, {
      event: 'nequi_token.updated',
      data: { nequi_token: { id: 'nequi_test_9f8e7d', status: 'APPROVED', phone_number: '3991111111' } },
      properties: ['nequi_token.id', 'nequi_token.status'],
    });
    expect((await deliver(t, ev)).status).toBe(200);
    expect(await inboxRow(t, 'nequi_token.updated:nequi_test_9f8e7d:APPROVED')).toMatchObject({
      status: expect.stringMatching(/RECEIVED|PROCESSED|IGNORED|FAILED/),
    });
  });

  it('malformed JSON → 400 problem, nothing stored', async () => {
    const before = (await inboxRows(t)).length;
    const res = await deliver(t, '{"event": "transaction.updated", "data": {');
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, instance: '/v1/webhooks/wompi' });
    expect((await inboxRows(t)).length).toBe(before);
  });

  it('missing or wrong envelope fields → 400 naming each field, nothing stored', async () => {
    const before = (await inboxRows(t)).length;
    const ev = signedEvent(secret);
    delete ev.environment;
    ev.timestamp = String(ev.timestamp);
    ev.signature.properties = [];
    const res = await deliver(t, ev);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MALFORMED_EVENT');
    expect(Object.keys(res.body.errors).sort()).toEqual(['environment', 'signature.properties', 'timestamp']);
    expect((await deliver(t, '[]')).status).toBe(400);
    expect((await deliver(t, '')).status).toBe(400);
    expect((await inboxRows(t)).length).toBe(before);
  });

  it('a transaction.updated without a transaction id → 400 naming data.transaction.id', async () => {
    const ev = signedEvent(secret, {
      event: 'transaction.updated',
      data: { transaction: { status: 'APPROVED' } },
      properties: ['transaction.status'],
    });
    const res = await deliver(t, ev);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(['data.transaction.id']);
  });

  it('a body over 256 KiB → 413 problem, nothing stored; just under is accepted', async () => {
    const before = (await inboxRows(t)).length;
    const big = signedEvent(secret);
    big.data.transaction.padding = 'x'.repeat(257 * 1024);
    const res = await deliver(t, big);
    expect(res.status).toBe(413);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect((await inboxRows(t)).length).toBe(before);
    // the rest of the body is not read: the connection closes with the answer
    const closing = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${t.url}/v1/webhooks/wompi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(300 * 1024) },
      });
      req.on('response', (r) => resolve(r.resume()));
      req.on('error', reject);
      req.write('{"event":');
    });
    expect(closing.statusCode).toBe(413);
    expect(closing.headers.connection).toBe('close');
    expect(closing.headers['x-content-type-options']).toBe('nosniff');

    const fits = signedEvent(secret);
    fits.data.transaction.padding = 'x'.repeat(250 * 1024);
    expect((await deliver(t, fits)).status).toBe(200);
  });

  it('a redelivery (new timestamp and checksum) → 200 and the same row, delivery_count 2', async () => {
    const first = signedEvent(secret);
    const again = signedEvent(secret, {
      id: first.data.transaction.id,
      reference: first.data.transaction.reference,
      timestamp: first.timestamp + 1800,
    });
    const dupBefore = await metricValue(t, 'webhook_events_duplicate_total');
    expect((await deliver(t, first)).status).toBe(200);
    expect((await deliver(t, again)).status).toBe(200);
    expect(again.signature.checksum).not.toBe(first.signature.checksum);
    const row = await inboxRow(t, keyOf(first));
    expect(row?.delivery_count).toBe(2);
    expect(row?.checksum).toBe(first.signature.checksum); // the first delivery is what is kept
    expect(await metricValue(t, 'webhook_events_duplicate_total')).toBe(dupBefore + 1);
  });

  it('needs no API key, and the raw-body route does not leak into the others (64 KiB there)', async () => {
    const res = await fetch(`${t.url}/v1/webhooks/events`, {
      headers: { ...t.auth, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const big = await fetch(`${t.url}/v1/webhooks/events/00000000-0000-4000-8000-000000000000/replay`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(100 * 1024) }),
    });
    expect(big.status).toBe(413);
  });

  it('the lean path (ahead of Express) answers with the headers of the Express/Nest path, request id echoed', async () => {
    // a gzip body is passed on to Express and the Nest route; an identity body is answered ahead of it
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${t.url}/v1/webhooks/wompi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'parity-1', ...headers },
        body: headers['content-encoding'] === 'gzip' ? gzipSync(body) : body,
      });
    // headers that differ by nature (body length, date, Express' ETag on res.send, keep-alive);
    // X-Request-Id is checked apart (the Nest path's body-parser refusals run before it is set)
    const VARYING = new Set(['date', 'etag', 'content-length', 'connection', 'keep-alive', 'x-request-id']);
    const headersOf = (res: Response) => {
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        if (!VARYING.has(k)) out[k] = v;
      });
      return out;
    };
    const refusedLean = await post('{"event":', {});
    const refusedNest = await post('{"event":', { 'content-encoding': 'gzip' });
    expect([refusedLean.status, refusedNest.status]).toEqual([400, 400]);
    expect(headersOf(refusedLean)).toEqual(headersOf(refusedNest));
    expect(refusedLean.headers.get('x-request-id')).toBe('parity-1');
    expect(await refusedLean.json()).toEqual(await refusedNest.json());

    const okLean = await post(JSON.stringify(signedEvent(secret)), {});
    const okNest = await post(JSON.stringify(signedEvent(secret)), { 'content-encoding': 'gzip' });
    expect([okLean.status, okNest.status]).toEqual([200, 200]);
    expect(headersOf(okLean)).toEqual(headersOf(okNest));
    expect(Number(okLean.headers.get('content-length'))).toBe((await okLean.text()).length);
    expect(okLean.headers.get('x-request-id')).toBe('parity-1');
    const generated = await post('{"event":', { 'x-request-id': 'not a sane id' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts the lean path in the HTTP request metrics', async () => {
    const series = '{method="POST",route="/v1/webhooks/wompi",status="200"}';
    const before = await metricValue(t, 'http_requests_total', series);
    const durations = await metricValue(
      t,
      'http_request_duration_seconds_count',
      '{method="POST",route="/v1/webhooks/wompi"}',
    );
    expect((await deliver(t, signedEvent(secret))).status).toBe(200);
    expect(await metricValue(t, 'http_requests_total', series)).toBe(before + 1);
    expect(
      await metricValue(t, 'http_request_duration_seconds_count', '{method="POST",route="/v1/webhooks/wompi"}'),
    ).toBe(durations + 1);
  });

  it('counts received and verified deliveries', async () => {
    const received = await metricValue(t, 'webhook_events_received_total');
    const verified = await metricValue(t, 'webhook_events_verified_total');
    await deliver(t, signedEvent(secret));
    await deliver(t, signedEvent('test_events_forged'));
    expect(await metricValue(t, 'webhook_events_received_total')).toBe(received + 2);
    expect(await metricValue(t, 'webhook_events_verified_total')).toBe(verified + 1);
  });
});

describe('webhook ingress: secret rotation', () => {
  let t: TestApp;
  const current = `test_events_${'n'.repeat(24)}`;
  const previous = `test_events_${'o'.repeat(24)}`;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { WOMPI_EVENTS_SECRET: `${current},${previous}` } });
  });
  afterAll(() => t?.close());

  it('accepts events signed with the old secret and the new one, refuses any other', async () => {
    expect((await deliver(t, signedEvent(previous))).status).toBe(200);
    expect((await deliver(t, signedEvent(current))).status).toBe(200);
    expect((await deliver(t, signedEvent(t.sandbox.keys.eventsSecret))).status).toBe(401);
    expect(await inboxRows(t)).toHaveLength(2);
  });
});
