/**
 * Imported first by main.ts, before any module the auto-instrumentations patch (http, express,
 * pg, ioredis, amqplib) is loaded. Starts the OpenTelemetry SDK from the OTEL_* variables
 * (src/config/tracing-config.ts); with no exporter configured the SDK is not even loaded and
 * the service's spans are the API's no-ops. See docs/observability.md.
 */
import { loadTracingConfigFromProcessEnv } from './config/tracing-config';
import type { TracingHandle } from './tracing/tracing-sdk';

function start(): TracingHandle | undefined {
  const cfg = loadTracingConfigFromProcessEnv();
  if (!cfg || cfg.exporter === 'none') return undefined;
  // synchronous and only when on: the SDK and its instrumentations weigh ~tens of MB, and an
  // `await import()` would register them after the modules they must patch were loaded
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing/tracing-sdk') as typeof import('./tracing/tracing-sdk');
  return sdk.startTracing(cfg);
}

const handle = start();

/** Flushes the spans still buffered (graceful shutdown), bounded. */
export function shutdownTracing(timeoutMs = 2000): Promise<void> {
  if (!handle) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    handle.shutdown().catch(() => undefined),
    new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}
