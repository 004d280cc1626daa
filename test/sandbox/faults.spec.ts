import { request as httpRequest } from 'node:http';
import { RunningSandbox, startSandbox } from '../../src/sandbox/start-sandbox';
import {
  call,
  cardToken,
  createTx,
  deliveries,
  FAST,
  newRef,
  Receiver,
  startFast,
  txBody,
  waitFor,
  waitForStatus,
} from './helpers';

const setFaults = (sb: RunningSandbox, faults: unknown) => call(sb, 'PUT', '/__sandbox/faults', { body: faults });

/** Sends a request and reports whether it was answered before the socket died. */
function rawPost(sb: RunningSandbox, path: string, body: unknown): { answered: Promise<number | 'socket closed'> } {
  const answered = new Promise<number | 'socket closed'>((resolve) => {
    const req = httpRequest(
      `${sb.baseUrl}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sb.keys.publicKey}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve('socket closed'));
    req.end(JSON.stringify(body));
  });
  return { answered };
}

describe('sandbox: faults and admin API', () => {
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

  it('PUT replaces the fault set, GET returns it, invalid input is 422', async () => {
    expect((await call(sb, 'GET', '/__sandbox/faults')).body).toEqual({});
    const f = { latency_ms: 5, fail_next: { count: 2, status: 503, path: '/v1/transactions' } };
    expect((await setFaults(sb, f)).body).toEqual(f);
    expect((await setFaults(sb, { error_rate: 0.1 })).body).toEqual({ error_rate: 0.1 });
    expect((await call(sb, 'GET', '/__sandbox/faults')).body).toEqual({ error_rate: 0.1 });
    const bad = await setFaults(sb, { error_rate: 2, fail_next: { count: 0, status: 200 }, nope: true });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.messages).sort()).toEqual([
      'error_rate',
      'fail_next.count',
      'fail_next.status',
      'nope',
    ]);
  });

  it('latency_ms delays every /v1 answer', async () => {
    await setFaults(sb, { latency_ms: 300 });
    const t0 = Date.now();
    expect((await call(sb, 'GET', '/pse/financial_institutions', { key: sb.keys.publicKey })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(295);
  });

  it('error_rate 1 answers 5xx with no effect; 0.5 fails roughly half', async () => {
    const body = await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await setFaults(sb, { error_rate: 1 });
    const r = await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body });
    expect(r.status).toBe(500);
    expect(r.body.error.type).toBe('INTERNAL_SERVER_ERROR');
    await setFaults(sb, {});
    const search = await call(sb, 'GET', `/transactions?reference=${body.reference}`, { key: sb.keys.privateKey });
    expect(search.body.data).toEqual([]);
    await setFaults(sb, { error_rate: 0.5 });
    let failed = 0;
    for (let i = 0; i < 200; i++)
      if ((await call(sb, 'GET', '/pse/financial_institutions', { key: sb.keys.publicKey })).status === 500) failed++;
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(140);
  });

  it('fail_next answers the next N matching requests (method + path prefix) with no effect', async () => {
    await setFaults(sb, { fail_next: { count: 2, status: 503, method: 'POST', path: '/v1/transactions' } });
    expect((await call(sb, 'GET', '/pse/financial_institutions', { key: sb.keys.publicKey })).status).toBe(200);
    const body = await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const a = await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body });
    expect([a.status, a.body]).toEqual([503, { message: 'Service Unavailable' }]);
    expect((await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body })).status).toBe(503);
    const third = await call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body });
    expect(third.status).toBe(201); // the acceptance token was not consumed by the failures
    expect((await call(sb, 'GET', '/__sandbox/faults')).body).toEqual({});
  });

  it('fail_next 429 carries Retry-After', async () => {
    await setFaults(sb, { fail_next: { count: 1, status: 429, retry_after_s: 7 } });
    const r = await call(sb, 'GET', '/pse/financial_institutions', { key: sb.keys.publicKey });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    await setFaults(sb, { fail_next: { count: 1, status: 429 } });
    expect(
      (await call(sb, 'GET', '/pse/financial_institutions', { key: sb.keys.publicKey })).headers.get('retry-after'),
    ).toBe('1');
  });

  it('hang_next without apply: never answered and nothing created; reset frees the socket', async () => {
    await setFaults(sb, { hang_next: { count: 1, method: 'POST', path: '/v1/transactions' } });
    const body = await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const { answered } = rawPost(sb, '/transactions', body);
    const raced = await Promise.race([answered, new Promise((r) => setTimeout(() => r('still waiting'), 400))]);
    expect(raced).toBe('still waiting');
    const search = await call(sb, 'GET', `/transactions?reference=${body.reference}`, { key: sb.keys.privateKey });
    expect(search.body.data).toEqual([]);
    await call(sb, 'POST', '/__sandbox/reset');
    expect(await answered).toBe('socket closed');
  });

  it('hang_next with apply: the transaction IS created (ambiguous create) but never answered', async () => {
    await setFaults(sb, { hang_next: { count: 1, method: 'POST', path: '/v1/transactions', apply: true } });
    const reference = newRef('ambiguous');
    const body = await txBody(sb, { type: 'NEQUI', phone_number: '3991111111' }, { reference });
    const { answered } = rawPost(sb, '/transactions', body);
    const found = await waitFor(
      async () => {
        const r = await call(sb, 'GET', `/transactions?reference=${reference}`, { key: sb.keys.privateKey });
        return r.body.data.length === 1 ? r.body.data[0] : undefined;
      },
      15_000,
      'created transaction',
    );
    await waitForStatus(sb, found.id, 'APPROVED');
    const raced = await Promise.race([answered, new Promise((r) => setTimeout(() => r('still waiting'), 50))]);
    expect(raced).toBe('still waiting');
    const t0 = Date.now();
    await sb.close(); // close frees hung requests (a held socket would keep it waiting for ever)
    expect(Date.now() - t0).toBeLessThan(10_000); // generous: the machine may be busy
    expect(await answered).toBe('socket closed');
  });

  it('webhooks.drop_next: dropped attempts are failures retried on the schedule', async () => {
    await setFaults(sb, { webhooks: { drop_next: 2 } });
    await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    const log = await waitFor(
      async () => {
        const l = await deliveries(sb);
        return l.length === 3 && l[2].http_status !== null ? l : undefined;
      },
      20_000,
      '3 attempts',
    );
    expect(log.map((d) => [d.attempt, d.http_status, d.error === null])).toEqual([
      [1, null, false],
      [2, null, false],
      [3, 200, true],
    ]);
    expect(rx.received).toHaveLength(1);
    // a dropped attempt waits the delay before the next one, like any failure (200 ms, then 400 ms)
    const gaps = [Date.parse(log[1].at) - Date.parse(log[0].at), Date.parse(log[2].at) - Date.parse(log[1].at)];
    expect(gaps[0]).toBeGreaterThanOrEqual(198);
    expect(gaps[1]).toBeGreaterThanOrEqual(398);
    expect(gaps[1]).toBeLessThan(400 + 5000); // only a wrong scale; generous for a busy machine
  });

  it('webhooks.duplicate: every event is delivered twice, identical', async () => {
    await setFaults(sb, { webhooks: { duplicate: true } });
    const tx = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitFor(() => (rx.received.length === 2 ? true : undefined), 15_000, 'two copies');
    expect(rx.received[0].raw).toBe(rx.received[1].raw);
    expect(rx.received[0].body.data.transaction.id).toBe(tx.id);
  });

  it('webhooks.reorder: events of one transaction arrive newest first', async () => {
    await setFaults(sb, { webhooks: { reorder: true, reorder_window_ms: 5000 } });
    const tx = await createTx(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 });
    await waitForStatus(sb, tx.id, 'APPROVED');
    expect(rx.received).toHaveLength(0); // held: an APPROVED card can still change
    await call(sb, 'POST', `/transactions/${tx.id}/void`, { key: sb.keys.privateKey });
    await waitFor(() => (rx.received.length === 2 ? true : undefined), 15_000, 'two events');
    expect(rx.received.map((r) => r.body.data.transaction.status)).toEqual(['VOIDED', 'APPROVED']);
  });

  it('buyer_retry: a DECLINED then an APPROVED transaction with the same reference', async () => {
    await setFaults(sb, { buyer_retry: true });
    const reference = newRef('retry');
    const tx = await createTx(
      sb,
      { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 },
      { reference },
    );
    await waitForStatus(sb, tx.id, 'APPROVED');
    const r = await call(sb, 'GET', `/transactions?reference=${reference}&order=ASC`, { key: sb.keys.privateKey });
    expect(r.body.data.map((t: { status: string }) => t.status)).toEqual(['DECLINED', 'APPROVED']);
    expect(r.body.data[0].id).not.toBe(r.body.data[1].id);
    await waitFor(() => (rx.received.length === 2 ? true : undefined), 15_000, 'two events');
    expect(rx.received.map((e) => e.body.data.transaction.status)).toEqual(['DECLINED', 'APPROVED']);
    expect((await call(sb, 'GET', '/__sandbox/faults')).body.buyer_retry).toBe(false); // one shot
  });

  it('async_url_on_poll: the PSE URL appears only on a later GET', async () => {
    await setFaults(sb, { async_url_on_poll: true });
    const tx = await createTx(sb, {
      type: 'PSE',
      user_type: 0,
      user_legal_id_type: 'CC',
      user_legal_id: '1',
      financial_institution_code: '1',
      payment_description: 'x',
    });
    expect(tx.payment_method.extra.async_payment_url).toBeUndefined();
    const r = await call(sb, 'GET', `/transactions/${tx.id}`);
    expect(r.body.data.payment_method.extra.async_payment_url).toEqual(expect.any(String));
  });

  it('reset clears transactions, tokens, sources, links, deliveries and faults', async () => {
    const tx = await createTx(sb, { type: 'NEQUI', phone_number: '3991111111' });
    await waitFor(() => rx.received[0], 15_000, 'event');
    await setFaults(sb, { latency_ms: 1 });
    const r = await call(sb, 'POST', '/__sandbox/reset');
    expect(r.status).toBe(200);
    expect((await call(sb, 'GET', `/transactions/${tx.id}`)).status).toBe(404);
    expect(await deliveries(sb)).toEqual([]);
    expect((await call(sb, 'GET', '/__sandbox/faults')).body).toEqual({});
    await sb.reset();
  });

  it('faults can be set at start; several sandboxes run side by side', async () => {
    const other = await startSandbox({ ...FAST, faults: { fail_next: { count: 1, status: 502 } } });
    try {
      expect((await call(other, 'GET', '/pse/financial_institutions', { key: other.keys.publicKey })).status).toBe(502);
      expect((await call(sb, 'GET', '/pse/financial_institutions', { key: sb.keys.publicKey })).status).toBe(200);
      expect(other.origin).not.toBe(sb.origin);
    } finally {
      await other.close();
    }
  });
});
