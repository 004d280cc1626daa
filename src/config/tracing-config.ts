import { Env, EnvReader } from './env-reader';

export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];
/** otlp: OTLP/HTTP to the collector; console: one debug log line per span (dev); none: tracing off. */
export type TraceExporter = 'otlp' | 'console' | 'none';

/**
 * Tracing, from the standard OpenTelemetry variables. The SDK is configured explicitly from
 * this object (src/tracing/tracing-sdk.ts), so what runs is what boot validated.
 */
export interface TracingConfig {
  exporter: TraceExporter;
  /** the OTLP/HTTP traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`) */
  tracesUrl: string | undefined;
  /** OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`): e.g. the collector's API key; never logged */
  headers: Record<string, string>;
  serviceName: string;
  sampler: TraceSampler;
  /** ratio for the *traceidratio samplers, in [0, 1] */
  samplerRatio: number;
}

function parseHeaders(r: EnvReader, text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const i = entry.indexOf('=');
    if (i <= 0) {
      r.problem('OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value');
      continue;
    }
    out[decodeURIComponent(entry.slice(0, i).trim())] = decodeURIComponent(entry.slice(i + 1).trim());
  }
  return out;
}

/**
 * Off unless an OTLP endpoint is set (or OTEL_TRACES_EXPORTER asks for it); in development at
 * LOG_LEVEL=debug/trace, without an endpoint, spans go to the log (the console exporter).
 */
export function loadTracingConfig(r: EnvReader, nodeEnv: string, logLevel: string): TracingConfig {
  const base = r.raw('OTEL_EXPORTER_OTLP_ENDPOINT');
  const traces = r.raw('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  r.url('OTEL_EXPORTER_OTLP_ENDPOINT', base, ['http:', 'https:']);
  r.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces, ['http:', 'https:']);
  const tracesUrl = traces ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  const debugDev = nodeEnv === 'development' && (logLevel === 'debug' || logLevel === 'trace');
  const fallback: TraceExporter = tracesUrl ? 'otlp' : debugDev ? 'console' : 'none';
  let exporter = r.oneOf<TraceExporter>('OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'], fallback);
  if (exporter === 'otlp' && !tracesUrl)
    r.problem('OTEL_TRACES_EXPORTER=otlp needs OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)');
  if (r.bool('OTEL_SDK_DISABLED', false)) exporter = 'none';
  const ratioText = r.raw('OTEL_TRACES_SAMPLER_ARG');
  let samplerRatio = 1;
  if (ratioText !== undefined) {
    const n = Number(ratioText);
    if (!Number.isFinite(n) || n < 0 || n > 1) r.problem('OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1');
    else samplerRatio = n;
  }
  return {
    exporter,
    tracesUrl,
    headers: parseHeaders(r, r.raw('OTEL_EXPORTER_OTLP_HEADERS')),
    serviceName: r.optional('OTEL_SERVICE_NAME', 'payments-service'),
    sampler: r.oneOf<TraceSampler>('OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on'),
    samplerRatio,
  };
}

/**
 * For src/tracing.ts, which starts the SDK before the rest of the service is loaded (the
 * instrumentations must patch http, express, pg… before they are required). Problems are left
 * to the full `loadConfig` at boot, which refuses to start with them: here they only mean "off".
 */
export function loadTracingConfigFromProcessEnv(): TracingConfig | undefined {
  const env: Env = process.env;
  const r = new EnvReader(env);
  const nodeEnv = r.optional('NODE_ENV', 'development');
  const cfg = loadTracingConfig(r, nodeEnv, r.optional('LOG_LEVEL', nodeEnv === 'test' ? 'warn' : 'info'));
  return r.problems.length ? undefined : cfg;
}
