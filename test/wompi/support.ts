/* Shared by the Wompi unit and integration specs: a config built through the real loader,
 * a logger that keeps every line (to assert what is and is not logged), and a tiny local
 * HTTP server whose behaviour each test sets. */
import { LoggerService } from '@nestjs/common';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig, WompiConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';

export const TEST_KEYS = {
  publicKey: 'pub_test_Kw4aC0rZVgLZQn209NbEKPuXLzBD28Zx',
  privateKey: 'prv_test_434092Xa65F54dd6a181D1f87DFa03CzS',
  integritySecret: 'test_integrity_ep4b3kSYJg2bWHwL7ulhPCDvaiyGDW7V',
  eventsSecret: 'test_events_Y49rL5FGw4vTeiUaZaJ957hlpezdPQ0r',
};

export function wompiTestConfig(baseUrl: string, overrides: Partial<WompiConfig> = {}, keys = TEST_KEYS): AppConfig {
  const cfg = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    REDIS_URL: 'redis://127.0.0.1:6379',
    INTERNAL_API_KEYS: 'tests:0123456789abcdef0123',
    WOMPI_BASE_URL: baseUrl,
    WOMPI_PUBLIC_KEY: keys.publicKey,
    WOMPI_PRIVATE_KEY: keys.privateKey,
    WOMPI_INTEGRITY_SECRET: keys.integritySecret,
    WOMPI_EVENTS_SECRET: keys.eventsSecret,
  });
  // small, fast numbers unless a test asks for others
  cfg.wompi = { ...cfg.wompi, timeoutMs: 1000, retryBaseDelayMs: 10, breakerCooldownMs: 200, ...overrides };
  return cfg;
}

export interface LogLine {
  level: string;
  message: unknown;
}

export class CapturingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message });
  }
  error(message: unknown, ...rest: unknown[]) {
    this.lines.push({ level: 'error', message: [message, ...rest] });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message });
  }
  debug(message: unknown) {
    this.lines.push({ level: 'debug', message });
  }
  verbose(message: unknown) {
    this.lines.push({ level: 'verbose', message });
  }
  text(): string {
    return JSON.stringify(this.lines);
  }
}

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: Received, res: http.ServerResponse, socket: import('node:net').Socket) => void;

/** A local server: `handler` answers, `received` keeps every request it saw. */
export class LocalServer {
  readonly received: Received[] = [];
  handler: Handler = (_req, res) => json(res, 500, {});
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      this.received.push(r);
      this.handler(r, res, req.socket);
    });
  });
  private sockets = new Set<import('node:net').Socket>();
  baseUrl = '';

  async start(): Promise<this> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  reset(handler: Handler): void {
    this.received.length = 0;
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Polls `check` until it is true or the deadline passes (no fixed sleeps). */
export async function until(check: () => boolean | Promise<boolean>, deadlineMs = 5000, everyMs = 10): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A transaction as Wompi returns it (PSE, PENDING). */
export const txFixture = (over: Record<string, unknown> = {}) => ({
  id: '15113-1755396264-52249',
  created_at: '2025-08-17T02:04:25.079Z',
  finalized_at: null,
  amount_in_cents: 500000,
  reference: 'ref-1',
  customer_email: 'buyer@example.com',
  currency: 'COP',
  payment_method_type: 'PSE',
  payment_method: { type: 'PSE', extra: { is_three_ds: false } },
  status: 'PENDING',
  status_message: null,
  billing_data: null,
  shipping_address: null,
  redirect_url: null,
  payment_source_id: null,
  payment_link_id: null,
  customer_data: null,
  taxes: [],
  ...over,
});
