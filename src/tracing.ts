/**
 * Imported first by main.ts, before any module the auto-instrumentations patch (http, express,
 * pg, ioredis, amqplib) is loaded. Starts the OpenTelemetry SDK from the OTEL_* variables
 * (src/config/tracing-config.ts); with no exporter configured nothing is started and the
 * service's spans are the API's no-ops. See docs/observability.md.
 */
import { loadTracingConfigFromProcessEnv } from './config/tracing-config';
import { startTracing, TracingHandle } from './tracing/tracing-sdk';

const cfg = loadTracingConfigFromProcessEnv();
const handle: TracingHandle | undefined = cfg ? startTracing(cfg) : undefined;

/** Flushes the spans still buffered (graceful shutdown), bounded. */
export function shutdownTracing(timeoutMs = 2000): Promise<void> {
  if (!handle) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([handle.shutdown().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]).finally(() => clearTimeout(timer));
}
