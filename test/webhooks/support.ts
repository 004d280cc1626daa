/* Kit for the webhook suites: events signed independently of src/wompi (docs/wompi.md#events-and-the-checksum), a raw
 * poster, inbox reads and a look into the Bull queue. */
import Bull from 'bull';
import { createHash, randomBytes } from 'node:crypto';
import { pgQuery } from '../support/services';
import type { TestApp } from '../support/app';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh events secret the config accepts for the sandbox (test) environment. */
export const newEventsSecret = (): string => `test_events_${randomBytes(16).toString('hex')}`;

function valueAt(data: Json, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Json | undefined)?.[part], data);
}

/** SHA-256 of the property values read inside `data`, then the timestamp, then the secret. */
export function checksum(
  event: { data: Json; timestamp: number; signature: { properties: string[] } },
  secret: string,
): string {
  const values = event.signature.properties.map((p) => {
    const v = valueAt(event.data, p);
    return v === null || v === undefined ? '' : String(v);
  });
  return createHash('sha256')
    .update(`${values.join('')}${event.timestamp}${secret}`)
    .digest('hex');
}

let seq = 0;
export function txId(): string {
  return `15113-${Math.floor(Date.now() / 1000)}-${String(++seq).padStart(5, '0')}${randomBytes(2).toString('hex')}`;
}

export interface EventOptions {
  event?: string;
  id?: string;
  status?: string;
  amount?: number;
  reference?: string;
  timestamp?: number;
  environment?: string;
  data?: Json;
  properties?: string[];
}

/** A signed `transaction.updated` (or `opts.event` with `opts.data`) in Wompi's wire key order. */
export function signedEvent(secret: string, opts: EventOptions = {}): Json {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const data = opts.data ?? {
    transaction: {
      id: opts.id ?? txId(),
      created_at: new Date().toISOString(),
      finalized_at: new Date().toISOString(),
      amount_in_cents: opts.amount ?? 2_490_000,
      reference: opts.reference ?? `order-${randomBytes(4).toString('hex')}`,
      customer_email: 'comprador@example.com',
      currency: 'COP',
      payment_method_type: 'CARD',
      payment_method: { type: 'CARD', extra: { last_four: '4242' } },
      status: opts.status ?? 'APPROVED',
      status_message: null,
    },
  };
  const properties =
    opts.properties ?? (opts.data ? [] : ['transaction.id', 'transaction.status', 'transaction.amount_in_cents']);
  const ev: Json = {
    event: opts.event ?? 'transaction.updated',
    data,
    sent_at: new Date(timestamp * 1000).toISOString(),
    timestamp,
    signature: { checksum: '', properties },
    environment: opts.environment ?? 'test',
  };
  ev.signature.checksum = checksum(ev as never, secret);
  return ev;
}

export interface PostResult {
  status: number;
  text: string;
  body: Json;
  contentType: string | null;
}

/** POST to the ingress; a string body is sent as is (for malformed JSON). */
export async function deliver(
  t: TestApp,
  body: Json | string,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const res = await fetch(`${t.url}/v1/webhooks/wompi`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Json = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  return { status: res.status, text, body: parsed, contentType: res.headers.get('content-type') };
}

export interface InboxRow {
  id: string;
  event_key: string;
  event_type: string;
  environment: string;
  checksum: string;
  signed_timestamp: string;
  raw_body: string;
  payload: Json;
  status: string;
  delivery_count: number;
  enqueued_at: Date | null;
  processed_at: Date | null;
}

export async function inboxRows(t: TestApp): Promise<InboxRow[]> {
  return pgQuery<InboxRow>(t.db.url, `select * from webhook_inbox order by received_at`);
}

export async function inboxRow(t: TestApp, eventKey: string): Promise<InboxRow | undefined> {
  const [r] = await pgQuery<InboxRow>(t.db.url, `select * from webhook_inbox where event_key = $1`, [eventKey]);
  return r;
}

/** Read-only look at the app's Bull queue (same Redis, same prefix). */
export class QueuePeek {
  private readonly queue: Bull.Queue;
  constructor(t: TestApp) {
    this.queue = new Bull('webhook-events', { prefix: t.config.queuePrefix, redis: t.config.redisUrl });
  }

  /** every job (any state) whose data names this inbox row */
  async jobsFor(inboxId: string): Promise<Bull.Job[]> {
    const jobs = await this.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'paused']);
    return jobs.filter((j) => j?.data?.inboxId === inboxId);
  }

  async job(id: string): Promise<Bull.Job | null> {
    return this.queue.getJob(id);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export async function metricValue(t: TestApp, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}
