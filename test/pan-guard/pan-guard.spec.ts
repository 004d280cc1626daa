/* The PAN guard through HTTP: a /v1 body holding anything that looks like a card number is
 * refused with 400 naming the fields, never echoing the value, never logging the body, and
 * before any side effect (no idempotency claim, no payment). Wompi's webhook route is exempt. */
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { newKey, post, session } from '../idempotency/helpers';

const PATH = '/v1/checkout-sessions';

type Write = typeof process.stdout.write;
type FsWrite = (...args: unknown[]) => unknown;

/**
 * Everything the process writes to stdout/stderr (where the service logs) while `fn` runs, and
 * after it until `written(text)` says the lines looked for are there (bounded; pino may write
 * after the answer has left). pino writes through `process.stdout` when a test runner has wrapped
 * it, else straight to fd 1 with `fs.write`, so both are watched.
 */
async function captureOutput(fn: () => Promise<void>, written: (text: string) => boolean): Promise<string> {
  const chunks: string[] = [];
  const text = (chunk: unknown) =>
    typeof chunk === 'string'
      ? chunk
      : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
        ? Buffer.from(chunk).toString('utf8')
        : '';
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  streams.forEach((s, i) => {
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(text(chunk));
      return (originals[i] as (...a: unknown[]) => boolean).call(s, chunk, ...rest);
    }) as Write;
  });
  const fs = jest.requireActual<Record<'write' | 'writeSync', FsWrite>>('fs');
  const fsOriginals = { write: fs.write, writeSync: fs.writeSync };
  for (const name of ['write', 'writeSync'] as const) {
    fs[name] = (...args: unknown[]) => {
      if (args[0] === 1 || args[0] === 2) chunks.push(text(args[1]));
      return fsOriginals[name](...args);
    };
  }
  try {
    await fn();
    await waitFor('the log lines of the request', async () => written(chunks.join('')), 30_000, 10);
  } finally {
    streams.forEach((s, i) => (s.write = originals[i]));
    Object.assign(fs, fsOriginals);
  }
  return chunks.join('');
}

describe('PAN guard', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a body with a card number (with separators) naming the field, without echoing or logging it', async () => {
    const key = newKey();
    let r!: Awaited<ReturnType<typeof post>>;
    // the access line is the request's last: once it is written, every line of the request is
    const logs = await captureOutput(
      async () => {
        r = await post(t, PATH, session({ metadata: { note: 'pagar con 4242 4242 4242 4242', order_id: 'A-77' } }), {
          key,
        });
      },
      (text) => {
        const id = r.headers.get('x-request-id');
        return !!id && text.split('\n').some((l) => l.includes(`"id":"${id}"`) && l.includes('"res":{'));
      },
    );
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ status: 400, code: 'CARD_DATA_REFUSED' });
    expect(Object.keys(r.body.errors)).toEqual(['metadata.note']);
    const text = JSON.stringify(r.body);
    expect(text).not.toMatch(/4242/);
    // the refusal is logged (with the field), the body is not
    expect(logs).toContain('card data');
    expect(logs).toContain('metadata.note');
    expect(logs).not.toMatch(/4242/);
    expect(logs).not.toContain('A-77');
    // refused before any side effect
    expect(await pgQuery(t.db.url, `select 1 from idempotency_keys where key = $1`, [key])).toHaveLength(0);
    expect(await pgQuery(t.db.url, `select 1 from payments where metadata->>'order_id' = 'A-77'`)).toHaveLength(0);
  });

  it('finds numbers, dashes and nested arrays, and names every field', async () => {
    const r = await post(
      t,
      PATH,
      session({
        customer_data: { full_name: '5555-5555-5555-4444' },
        metadata: { items: [{ sku: 'ok' }, { pan: 4111111111111111 }] },
      }),
      { key: newKey() },
    );
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors).sort()).toEqual(['customer_data.full_name', 'metadata.items.1.pan']);
  });

  it('lets through 16 digits that fail Luhn, long ids and phone numbers', async () => {
    const r = await post(
      t,
      PATH,
      session({
        customer_data: { phone_number: '3001234567', phone_number_prefix: '+57' },
        metadata: { not_a_card: '4242424242424241', long_id: '4242424242424242424242424', ts: 1763700000005 },
      }),
      { key: newKey() },
    );
    expect(r.status).toBe(201);
  });

  it('refuses card data even without an Idempotency-Key, before validation', async () => {
    const r = await post(t, PATH, { card_number: '4242424242424242' }, { key: null });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('CARD_DATA_REFUSED');
    expect(Object.keys(r.body.errors)).toEqual(['card_number']);
  });

  it("does not screen Wompi's webhook route (events are verified by checksum instead)", async () => {
    const res = await fetch(`${t.url}/v1/webhooks/wompi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        event: 'transaction.updated',
        data: { transaction: { id: 'x', note: '4242424242424242' } },
        signature: { properties: [], checksum: 'bad' },
        timestamp: 1,
      }),
    });
    const body = (await res.json()) as { code?: string };
    expect(body.code).not.toBe('CARD_DATA_REFUSED');
    expect(res.status).not.toBe(201);
  });
});
