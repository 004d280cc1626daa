/**
 * Starts the OpenTelemetry SDK from the validated TracingConfig. Nothing here reads the
 * environment: the OTLP exporter, the sampler and the resource get explicit values, and the
 * SDK's own env-driven metric and log pipelines are switched off (metrics are prom-client's).
 */
import { Logger } from '@nestjs/common';
import { diag } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { isWompiTransportRequest } from '../wompi/wompi-transport';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, resources, tracing } from '@opentelemetry/sdk-node';
import type { TracingConfig } from '../config/tracing-config';
import { LogSpanExporter, RedactingSpanExporter } from './span-exporters';

export type SpanProcessor = tracing.SpanProcessor;
export type SpanExporter = tracing.SpanExporter;
export const { InMemorySpanExporter, SimpleSpanProcessor } = tracing;

export interface StartTracingOptions {
  /** replaces the configured exporter (tests: an in-memory exporter behind a SimpleSpanProcessor) */
  spanProcessors?: SpanProcessor[];
  /** the http/express/pg/ioredis/amqplib auto-instrumentations (default on) */
  instrumentations?: boolean;
}

export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, as the specification defines them. */
export function samplerFor(cfg: Pick<TracingConfig, 'sampler' | 'samplerRatio'>): tracing.Sampler {
  const ratio = new tracing.TraceIdRatioBasedSampler(cfg.samplerRatio);
  switch (cfg.sampler) {
    case 'always_on':
      return new tracing.AlwaysOnSampler();
    case 'always_off':
      return new tracing.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new tracing.ParentBasedSampler({ root: ratio });
    default:
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
  }
}

function instrumentations() {
  return [
    // probes and scrapes are not traces anyone reads
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => /^\/(health|metrics)(\/|$|\?)/.test(req.url ?? ''),
      // the Wompi client makes its own span per call (path template only) and injects traceparent
      ignoreOutgoingRequestHook: isWompiTransportRequest,
    }),
    new ExpressInstrumentation(),
    // statement text only (parameters are never recorded: enhancedDatabaseReporting stays off)
    new PgInstrumentation({ requireParentSpan: true }),
    // command names only: arguments carry job data, rate-limit keys (addresses, callers)
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (cmd) => cmd }),
    new AmqplibInstrumentation(),
  ];
}

/** Starts tracing; undefined (the API's no-op, nothing patched) when the config says none and no processor is given. */
export function startTracing(cfg: TracingConfig, opts: StartTracingOptions = {}): TracingHandle | undefined {
  let processors = opts.spanProcessors;
  if (!processors) {
    if (cfg.exporter === 'none') return undefined;
    const exporter: SpanExporter =
      cfg.exporter === 'otlp'
        ? new OTLPTraceExporter({ url: cfg.tracesUrl, headers: cfg.headers })
        : new LogSpanExporter(new Logger('Tracing'));
    processors = [
      cfg.exporter === 'otlp'
        ? new tracing.BatchSpanProcessor(new RedactingSpanExporter(exporter))
        : new tracing.SimpleSpanProcessor(new RedactingSpanExporter(exporter)),
    ];
  }
  diag.disable();
  const sdk = new NodeSDK({
    serviceName: cfg.serviceName,
    resource: resources.resourceFromAttributes({}),
    autoDetectResources: false,
    sampler: samplerFor(cfg),
    spanProcessors: processors,
    textMapPropagator: new W3CTraceContextPropagator(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: opts.instrumentations === false ? [] : instrumentations(),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
