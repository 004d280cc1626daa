/* CPU per Wompi call: the global fetch (undici) against the lean node:http transport
 * (src/wompi/wompi-transport.ts), both as a bare transport call and through the whole
 * WompiHttpGateway.getTransaction (policies, span, metrics, validation) — the verify-by-fetch GET
 * each applied event makes. The answering server runs in a child process, so process.cpuUsage()
 * counts the client side only. Sequential calls on loopback; keep-alive for both.
 * Knob: BENCH_SCALE (0.05–1) shrinks N (5,000 at 1). */
import { ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { LoggerService } from '@nestjs/common';
import { loadConfig } from '../src/config/load-config';
import { Metrics } from '../src/metrics/metrics';
import { WompiHttpGateway } from '../src/wompi/wompi-http.gateway';
import { NodeHttpTransport, TransportInit } from '../src/wompi/wompi-transport';
import { BenchContext, BenchResult } from './support';

const SCALE = Math.min(1, Math.max(0.05, Number(process.env.BENCH_SCALE ?? 1) || 1));
const N = Math.round(5_000 * SCALE);
const WARMUP = 500;
const ROUNDS = 2;

/** A transaction as Wompi answers GET /v1/transactions/:id (about 1.3 kB). */
const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ data: {
  id: '15113-1755396264-52249', created_at: '2025-08-17T02:04:25.079Z', finalized_at: '2025-08-17T02:04:29.000Z',
  amount_in_cents: 500000, reference: 'ref-1', customer_email: 'buyer@example.com', currency: 'COP',
  payment_method_type: 'CARD', payment_method: { type: 'CARD', extra: { bin: '424242', name: 'VISA-4242', brand: 'VISA',
  exp_year: '29', exp_month: '06', last_four: '4242', card_holder: 'Pedro Pérez', is_three_ds: false, three_ds_auth_type: null },
  installments: 1 }, status: 'APPROVED', status_message: null, billing_data: null, shipping_address: null,
  redirect_url: null, payment_source_id: null, payment_link_id: null, customer_data: { full_name: 'Pedro Pérez',
  phone_number: '+573001234567', device_id: null }, taxes: [], tip_in_cents: null, merchant: { id: 1, name: 'Tienda',
  legal_name: 'Tienda SAS', contact_name: 'Ana', phone_number: '+573000000000', logo_url: null, legal_id_type: 'NIT',
  email: 'tienda@example.com', legal_id: '900000000-1', public_key: 'pub_test_x' } }, meta: {} });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startServer(): Promise<{ child: ChildProcess; origin: string }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return { child, origin: `http://127.0.0.1:${port}` };
}

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

interface Sample {
  cpuUsPerCall: number;
  wallUsPerCall: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Sample> {
  for (let i = 0; i < WARMUP; i++) await fn();
  // let the previous case's garbage be collected on its own time, not this one's
  await new Promise((r) => setTimeout(r, 300));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPerCall: (cpu.user + cpu.system) / N, wallUsPerCall: (wallMs * 1000) / N };
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const { child, origin } = await startServer();
  const lean = new NodeHttpTransport();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    REDIS_URL: 'redis://127.0.0.1:6379',
    INTERNAL_API_KEYS: 'bench:0123456789abcdef0123',
    WOMPI_BASE_URL: `${origin}/v1`,
    WOMPI_PUBLIC_KEY: 'pub_test_Kw4aC0rZVgLZQn209NbEKPuXLzBD28Zx',
    WOMPI_PRIVATE_KEY: 'prv_test_434092Xa65F54dd6a181D1f87DFa03CzS',
    WOMPI_INTEGRITY_SECRET: 'test_integrity_ep4b3kSYJg2bWHwL7ulhPCDvaiyGDW7V',
    WOMPI_EVENTS_SECRET: 'test_events_Y49rL5FGw4vTeiUaZaJ957hlpezdPQ0r',
  });
  const viaFetch = new WompiHttpGateway(config, new Metrics(), { logger: silent, fetch: (u, i) => fetch(u, i) });
  const viaLean = new WompiHttpGateway(config, new Metrics(), { logger: silent });
  const url = `${origin}/v1/transactions/15113-1755396264-52249`;
  const init = (): TransportInit => ({
    method: 'GET',
    headers: { accept: 'application/json', authorization: 'Bearer prv_test_x' },
    signal: new AbortController().signal,
    redirect: 'error',
  });
  const cases: Record<string, () => Promise<unknown>> = {
    'transport fetch': async () => (await fetch(url, init())).text(),
    'transport lean': async () => (await lean.fetch(url, init())).text(),
    'getTransaction fetch': () => viaFetch.getTransaction('15113-1755396264-52249'),
    'getTransaction lean': () => viaLean.getTransaction('15113-1755396264-52249'),
  };
  const best: Record<string, Sample> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, fn] of Object.entries(cases)) {
        const s = await measure(fn);
        ctx.log(
          `${name} round ${round + 1}: ${s.cpuUsPerCall.toFixed(1)} µs CPU/call, ${s.wallUsPerCall.toFixed(1)} µs wall/call`,
        );
        if (!best[name] || s.cpuUsPerCall < best[name].cpuUsPerCall) best[name] = s;
      }
    }
  } finally {
    lean.destroy();
    viaFetch.onApplicationShutdown();
    viaLean.onApplicationShutdown();
    child.kill();
  }
  const results: BenchResult[] = [];
  for (const [name, s] of Object.entries(best)) {
    results.push({
      bench: 'wompi-transport',
      metric: `${name} CPU/call`,
      value: s.cpuUsPerCall,
      unit: 'µs',
      n: N,
      notes: `best of ${ROUNDS}`,
    });
    results.push({ bench: 'wompi-transport', metric: `${name} wall/call`, value: s.wallUsPerCall, unit: 'µs', n: N });
  }
  for (const level of ['transport', 'getTransaction']) {
    const f = best[`${level} fetch`].cpuUsPerCall;
    const l = best[`${level} lean`].cpuUsPerCall;
    results.push({ bench: 'wompi-transport', metric: `${level} lean/fetch CPU`, value: l / f, unit: '×', n: N });
  }
  return results;
}
