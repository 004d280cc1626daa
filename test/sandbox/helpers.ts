/* Test kit for the sandbox contract suite: a running sandbox, a tiny HTTP client, a webhook
 * receiver and bounded polling. Signatures here are computed independently of the sandbox. */
import { createHash } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunningSandbox, SandboxOptions, startSandbox } from '../../src/sandbox/start-sandbox';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const FAST: SandboxOptions = {
  port: 0,
  silent: true,
  cardDelayMs: 60,
  asyncDelayMs: 120,
  retryDelaysMs: [200, 400, 600],
};

export function startFast(extra: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ ...FAST, ...extra });
}

export interface Reply {
  status: number;
  body: Json;
  headers: Headers;
  text: string;
}

/** One request; `key` is sent as `Authorization: Bearer <key>`. */
export async function call(
  sb: RunningSandbox,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const url = path.startsWith('/__sandbox') ? `${sb.origin}${path}` : `${sb.baseUrl}${path}`;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  return { status: res.status, body, headers: res.headers, text };
}

/** Integrity signature written from docs/wompi.md#integrity-signature, independently of src/sandbox. */
export function integrity(
  reference: string,
  amount: number,
  currency: string,
  secret: string,
  expiration?: string,
): string {
  return createHash('sha256')
    .update(`${reference}${amount}${currency}${expiration ?? ''}${secret}`)
    .digest('hex');
}

export async function acceptance(
  sb: RunningSandbox,
): Promise<{ acceptance_token: string; accept_personal_auth: string }> {
  const r = await call(sb, 'GET', `/merchants/${sb.keys.publicKey}`);
  return {
    acceptance_token: r.body.data.presigned_acceptance.acceptance_token,
    accept_personal_auth: r.body.data.presigned_personal_data_auth.acceptance_token,
  };
}

let refSeq = 0;
export const newRef = (prefix = 'ref'): string => `${prefix}-${Date.now()}-${++refSeq}`;

/** A valid POST /transactions body with fresh acceptance tokens and a correct signature. */
export async function txBody(sb: RunningSandbox, paymentMethod: Json | undefined, over: Json = {}): Promise<Json> {
  const reference = (over.reference as string) ?? newRef();
  const amount = (over.amount_in_cents as number) ?? 2_490_000;
  return {
    ...(await acceptance(sb)),
    amount_in_cents: amount,
    currency: 'COP',
    customer_email: 'comprador@example.com',
    reference,
    signature: integrity(reference, amount, 'COP', sb.keys.integritySecret),
    ...(paymentMethod ? { payment_method: paymentMethod } : {}),
    ...over,
  };
}

export async function cardToken(sb: RunningSandbox, number: string): Promise<string> {
  const r = await call(sb, 'POST', '/tokens/cards', {
    key: sb.keys.publicKey,
    body: { number, cvc: '123', exp_month: '12', exp_year: '30', card_holder: 'Pedro Pérez' },
  });
  if (r.status !== 201) throw new Error(`card token: ${r.status} ${r.text}`);
  return r.body.data.id;
}

export async function createTx(sb: RunningSandbox, paymentMethod: Json, over: Json = {}): Promise<Json> {
  const r = await call(sb, 'POST', '/transactions', {
    key: sb.keys.publicKey,
    body: await txBody(sb, paymentMethod, over),
  });
  if (r.status !== 201) throw new Error(`create tx: ${r.status} ${r.text}`);
  return r.body.data;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export async function waitForStatus(sb: RunningSandbox, id: string, status: string, timeoutMs = 15_000): Promise<Json> {
  return waitFor(
    async () => {
      const r = await call(sb, 'GET', `/transactions/${id}`, { key: sb.keys.privateKey });
      return r.body.data?.status === status ? r.body.data : undefined;
    },
    timeoutMs,
    `${id} to be ${status}`,
  );
}

export interface Received {
  raw: string;
  body: Json;
  headers: IncomingHttpHeaders;
  at: number;
}

/** A webhook endpoint; `respond` picks the status per request (default 200). */
export class Receiver {
  readonly received: Received[] = [];
  respond: (n: number) => number | 'hang' = () => 200;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        this.received.push({ raw, body: JSON.parse(raw), headers: req.headers, at: Date.now() });
        const status = this.respond(this.received.length);
        if (status === 'hang') return;
        res.statusCode = status;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/wompi`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export async function deliveries(sb: RunningSandbox): Promise<Json[]> {
  return (await call(sb, 'GET', '/__sandbox/deliveries')).body as unknown as Json[];
}

/** The project's own fixtures (written from docs/wompi.md). */
export function fixture(name: string): Json {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`../fixtures/wompi/${name}.json`) as Json;
}

export const MESSAGES = fixture('messages');
