import type { LoggerService } from '@nestjs/common';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { ExportResult, ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { tracing } from '@opentelemetry/sdk-node';
import { REDACTED, scrubString } from '../common/logging/redact';

type ReadableSpan = tracing.ReadableSpan;
type SpanExporter = tracing.SpanExporter;

/** Attributes whose last dotted segment names something personal or secret, whatever the value. */
const SENSITIVE_SEGMENTS = new Set([
  'key',
  'number',
  'cvc',
  'full_name',
  'card_holder',
  'address_line_1',
  'address_line_2',
  'raw_body',
  'body',
  'reference',
]);
const SENSITIVE_PART = /email|phone|token|secret|password|authorization|cookie|legal_id|api-key|api_key/i;
const isSensitive = (key: string): boolean => {
  const seg = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return SENSITIVE_SEGMENTS.has(seg) || SENSITIVE_PART.test(seg);
};
/** Attributes that may hold a query string (GET /v1/transactions?reference=…, Wompi searches): the query is dropped. */
const URL_KEYS = new Set(['url.full', 'http.url', 'http.target', 'url.query']);

function clean(key: string, value: AttributeValue): AttributeValue {
  if (isSensitive(key)) return REDACTED;
  if (typeof value === 'string') {
    if (URL_KEYS.has(key)) return key === 'url.query' ? REDACTED : scrubString(value.split('?')[0], 2048);
    return scrubString(value, 2048);
  }
  if (Array.isArray(value))
    return value.map((v) => (typeof v === 'string' ? scrubString(v, 2048) : v)) as AttributeValue;
  return value;
}

/** The log redaction rules, applied to every span's (and span event's) attributes before any exporter sees them. */
export function redactAttributes(attrs: Attributes): void {
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v !== undefined) attrs[k] = clean(k, v);
  }
}

/** Wraps an exporter: no buyer data, card number or secret leaves the process in a span. */
export class RedactingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const s of spans) {
      redactAttributes(s.attributes as Attributes);
      for (const e of s.events) if (e.attributes) redactAttributes(e.attributes as Attributes);
    }
    this.inner.export(spans, done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The "console" exporter of `npm run dev` at LOG_LEVEL=debug: one debug log line per finished
 * span, through the service's logger (so it is scrubbed like any line and carries the ids).
 */
export class LogSpanExporter implements SpanExporter {
  constructor(private readonly logger: LoggerService) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const s of spans) {
      const sc = s.spanContext();
      this.logger.debug?.(
        {
          span: s.name,
          trace_id: sc.traceId,
          span_id: sc.spanId,
          parent_span_id: s.parentSpanContext?.spanId ?? null,
          kind: s.kind,
          duration_ms: Math.round(hrTimeToMilliseconds(s.duration) * 10) / 10,
          status: s.status.code,
          attributes: s.attributes,
        },
        'span',
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
