import { createHash } from 'node:crypto';
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import {
  call,
  cardToken,
  createTx,
  deliveries,
  fixture,
  Json,
  Receiver,
  startFast,
  waitFor,
  waitForStatus,
} from './helpers';

/** Independent checksum (docs/wompi.md#events-and-the-checksum), sharing no code with the sandbox's signer. */
function verify(event: Json, secret: string): boolean {
  const values = (event.signature.properties as string[]).map((p) =>
    p.split('.').reduce((o: Json, k) => o[k], event.data),
  );
  const expected = createHash('sha256')
    .update(values.join('') + String(event.timestamp) + secret)
    .digest('hex');
  return expected === String(event.signature.checksum).toLowerCase();
}

describe('sandbox: webhooks', () => {
  let sb: RunningSandbox;
  let rx: Receiver;
  beforeEach(async () => {
    rx = await new Receiver().start();
    sb = await startFast({ eventsUrl: rx.url });
  });
  afterEach(async () => {
    await sb.close();
    await rx.close();
  });

  it('the independent checksum reproduces the docs/wompi.md#events-and-the-checksum pre-image vector', () => {
    const v = fixture('vectors').event_docs;
    const event = {
      data: { transaction: v.transaction },
      signature: { properties: v.properties, checksum: v.sha256 },
      timestamp: v.timestamp,
    };
    expect(verify(event, v.secret)).toBe(true);
    expect(createHash('sha256').update(v.string).digest('hex')).toBe(v.sha256);
    expect(
      verify(
        { ...event, signature: { ...event.signature, checksum: v.docs_printed_checksum_does_not_verify } },
        v.secret,
      ),
    ).toBe(false);
  });

  it('delivers transaction.updated exactly like Wompi: key order, signature, header, environment', async () => {
    const tx = await createTx(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 });
    const got = await waitFor(() => rx.received[0], 15_000, 'webhook');
    const ev = got.body;
    const real = fixture('event_sandbox_card_approved').body;
    expect(Object.keys(ev)).toEqual(Object.keys(real));
    expect(Object.keys(ev.signature)).toEqual(['checksum', 'properties']);
    expect(Object.keys(ev.data.transaction)).toEqual([...Object.keys(real.data.transaction), 'origin']);
    expect(ev.event).toBe('transaction.updated');
    expect(ev.environment).toBe('test');
    expect(ev.signature.properties).toEqual(['transaction.id', 'transaction.status', 'transaction.amount_in_cents']);
    expect(ev.data.transaction).toMatchObject({ id: tx.id, status: 'APPROVED', amount_in_cents: tx.amount_in_cents });
    expect(ev.signature.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(verify(ev, sb.keys.eventsSecret)).toBe(true);
    expect(verify(ev, 'test_events_wrong')).toBe(false);
    expect(got.headers['x-event-checksum']).toBe(ev.signature.checksum);
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(ev.timestamp).toBe(Math.floor(Date.parse(ev.sent_at) / 1000));
    expect(got.raw).not.toContain('4242424242424242');
  });

  it('VOIDED after a void also produces a verified event', async () => {
    const tx = await createTx(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 });
    await waitForStatus(sb, tx.id, 'APPROVED');
    await call(sb, 'POST', `/transactions/${tx.id}/void`, { key: sb.keys.privateKey });
    const voided = await waitFor(
      () => rx.received.find((r) => r.body.data.transaction.status === 'VOIDED'),
      15_000,
      'VOIDED event',
    );
    expect(verify(voided.body, sb.keys.eventsSecret)).toBe(true);
    expect(rx.received.map((r) => r.body.data.transaction.status)).toEqual(['APPROVED', 'VOIDED']);
  });

  it('nequi_token.updated is sent when a Nequi token is decided', async () => {
    const t = await call(sb, 'POST', '/tokens/nequi', { key: sb.keys.publicKey, body: { phone_number: '3991111111' } });
    const got = await waitFor(() => rx.received[0], 15_000, 'nequi event');
    expect(got.body.event).toBe('nequi_token.updated');
    expect(got.body.data.nequi_token).toMatchObject({ id: t.body.data.id, status: 'APPROVED' });
    expect(verify(got.body, sb.keys.eventsSecret)).toBe(true);
  });

  it('only 200 counts: 201, 204 and 500 are retried after the scaled delays with the same body', async () => {
    const statuses = [201, 204, 500, 200];
    rx.respond = (n) => statuses[n - 1] ?? 200;
    await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitFor(() => (rx.received.length === 4 ? true : undefined), 20_000, '4 attempts');
    // docs/wompi.md#delivery-and-retries: SANDBOX_RETRY_DELAYS are the delays *between* retries (scaled here to 200, 400,
    // 600 ms). Measured on the sender's clock (the delivery log), so receive-side latency can't
    // skew it; timers may be late on a loaded machine, never early. Offsets would give 200, 200, 200.
    await waitFor(async () => ((await deliveries(sb)).length === 4 ? true : undefined), 10_000, '4 logged attempts');
    expect(new Set(rx.received.map((r) => r.raw)).size).toBe(1); // sent_at, timestamp and checksum unchanged
    const log = await deliveries(sb);
    const gaps = log.slice(1).map((d, i) => Date.parse(d.at) - Date.parse(log[i].at));
    // The lower bounds tell delays from offsets and cannot be broken by load; the upper bound
    // only catches a wrong scale (the unscaled delays are 30 min and more), generous for a busy machine.
    [200, 400, 600].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 2);
      expect(gaps[i]).toBeLessThan(expected + 5000);
    });
    expect(log.map((d) => [d.attempt, d.http_status])).toEqual([
      [1, 201],
      [2, 204],
      [3, 500],
      [4, 200],
    ]);
    expect(log.every((d) => d.url === rx.url && d.status_sent === 'APPROVED' && d.event_id === log[0].event_id)).toBe(
      true,
    );
    expect(log[3].error).toBeNull();
    expect(log[0].error).toMatch(/201/);
  });

  it('gives up after 1 try + 3 retries', async () => {
    rx.respond = () => 503;
    await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitFor(() => (rx.received.length === 4 ? true : undefined), 20_000, '4 attempts');
    const settle = Date.now() + 900; // longer than the last retry delay
    await waitFor(() => (Date.now() > settle ? true : undefined), 2000);
    expect(rx.received).toHaveLength(4);
    expect((await deliveries(sb)).map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('an unreachable URL and a receiver slower than the delivery timeout are failed attempts', async () => {
    const slow = await startFast({ eventsUrl: rx.url, deliveryTimeoutMs: 150, retryDelaysMs: [100] });
    try {
      rx.respond = (n) => (n === 1 ? 'hang' : 200);
      await createTx(slow, { type: 'NEQUI', phone_number: '3991111111' });
      const log = await waitFor(
        async () => {
          const l = await deliveries(slow);
          return l.length === 2 && l[1].http_status === 200 ? l : undefined;
        },
        20_000,
        'retry after timeout',
      );
      expect(log[0]).toMatchObject({ attempt: 1, http_status: null, error: 'timeout after 150 ms' });
    } finally {
      await slow.close();
    }
    sb.setEventsUrl('http://127.0.0.1:9/unreachable');
    await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const log = await waitFor(
      async () => ((await deliveries(sb)).length > 0 ? deliveries(sb) : undefined),
      15_000,
      'failed delivery',
    );
    expect(log[0].http_status).toBeNull();
    expect(log[0].error).toMatch(/^network error/);
  });

  it('no events URL: nothing is sent; setEventsUrl switches it at run time', async () => {
    sb.setEventsUrl(undefined);
    const a = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitForStatus(sb, a.id, 'APPROVED');
    expect(await deliveries(sb)).toEqual([]);
    sb.setEventsUrl(rx.url);
    const b = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const got = await waitFor(() => rx.received[0], 15_000, 'event');
    expect(got.body.data.transaction.id).toBe(b.id);
  });
});
