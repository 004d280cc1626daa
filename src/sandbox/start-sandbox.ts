import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults, parseFaults } from './domain/faults';
import { generateSandboxKeys, SandboxKeys } from './domain/keys';
import { MERCHANT_ID } from './domain/test-data';
import { faultsMiddleware } from './http/faults.middleware';
import { WompiExceptionFilter } from './http/wompi-exception.filter';
import { SandboxModule } from './sandbox.module';
import { SandboxRuntime } from './sandbox-runtime';
import { SandboxControl } from './services/sandbox-control.service';

export { generateSandboxKeys };
export type { SandboxKeys };

export interface SandboxOptions {
  /** 0 = random free port; default 3100 */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  keys?: Partial<SandboxKeys>;
  eventsUrl?: string;
  /** delays between delivery retries; default 30m, 3h, 24h (1 try + 3 retries) */
  retryDelaysMs?: number[];
  /** card outcome delay; default 1000 ms */
  cardDelayMs?: number;
  /** async methods (Nequi, PSE, …) outcome delay; default 3000 ms */
  asyncDelayMs?: number;
  /** webhook request timeout; default 10000 ms */
  deliveryTimeoutMs?: number;
  /** no logs at all (tests) */
  silent?: boolean;
  /** faults active from the start (same shape as `PUT /__sandbox/faults`) */
  faults?: Faults;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  origin: string;
  keys: SandboxKeys;
  setEventsUrl(url: string | undefined): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export const SANDBOX_TIMING_DEFAULTS = {
  port: 3100,
  host: '127.0.0.1',
  retryDelaysMs: [30 * 60_000, 3 * 3_600_000, 24 * 3_600_000],
  cardDelayMs: 1000,
  asyncDelayMs: 3000,
  deliveryTimeoutMs: 10_000,
} as const;

function definedKeys(keys: Partial<SandboxKeys> | undefined): Partial<SandboxKeys> {
  return Object.fromEntries(
    Object.entries(keys ?? {}).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as Partial<SandboxKeys>;
}

/** Starts one standalone sandbox (its own Express server). Safe to call many times per process. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const d = SANDBOX_TIMING_DEFAULTS;
  const keys: SandboxKeys = { ...generateSandboxKeys(), ...definedKeys(opts.keys) };
  const runtime = new SandboxRuntime({
    keys,
    merchantId: MERCHANT_ID,
    eventsUrl: opts.eventsUrl,
    retryDelaysMs: [...(opts.retryDelaysMs ?? d.retryDelaysMs)],
    cardDelayMs: opts.cardDelayMs ?? d.cardDelayMs,
    asyncDelayMs: opts.asyncDelayMs ?? d.asyncDelayMs,
    deliveryTimeoutMs: opts.deliveryTimeoutMs ?? d.deliveryTimeoutMs,
    silent: opts.silent === true,
    faults: opts.faults ? parseFaults(opts.faults) : {},
  });

  // `logger: false` silences Nest's own bootstrap lines; left unset, the host's logger is kept.
  const app = await NestFactory.create<NestExpressApplication>(SandboxModule.register(runtime), new ExpressAdapter(), {
    abortOnError: false,
    ...(opts.silent ? { logger: false as const } : {}),
  });
  app.disable('x-powered-by');
  app.use('/v1', faultsMiddleware(runtime));
  app.useGlobalFilters(new WompiExceptionFilter(runtime.log));
  const host = opts.host ?? d.host;
  await app.listen(opts.port ?? d.port, host);

  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  runtime.origin = origin;
  runtime.log.log(`Wompi sandbox listening on ${origin}/v1 (admin ${origin}/__sandbox)`);

  const control = app.get(SandboxControl);
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    keys: { ...keys },
    setEventsUrl: (url) => runtime.setEventsUrl(url),
    reset: async () => control.reset(),
    close: () => {
      closing ??= (async () => {
        control.reset();
        const closed = app.close();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
