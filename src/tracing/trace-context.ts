/**
 * The service's own spans and the W3C trace context it carries across its asynchronous hops
 * (inbox row → Bull job → outbox row → published CloudEvent). Only @opentelemetry/api: with no
 * SDK started (tracing off) every call here is the API's no-op — no context store, no ids —
 * so the benchmarked webhook path pays a few allocations at most.
 */
import {
  Attributes,
  Context,
  context,
  isSpanContextValid,
  Link,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';

export const TRACER_NAME = 'payments-service';
const tracer = trace.getTracer(TRACER_NAME);

/** W3C trace context as it travels in job data and in CloudEvents (distributed-tracing extension). */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** the parent; default: the active context */
  parent?: Context;
}

/**
 * Runs `fn` in a new active span, ending it when `fn` settles; a throw marks the span as an
 * error with the error's class name only (messages may quote what a caller sent).
 */
export function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes, links: opts.links },
    opts.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

function pick(headers: Record<string, unknown> | undefined): TraceCarrier | undefined {
  const tp = headers?.traceparent;
  if (typeof tp !== 'string' || !TRACEPARENT.test(tp)) return undefined;
  const ts = headers?.tracestate;
  return typeof ts === 'string' && ts.length > 0 && ts.length <= 512
    ? { traceparent: tp, tracestate: ts }
    : { traceparent: tp };
}

/** The active trace context as a carrier, or undefined when there is none (tracing off). */
export function currentCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !isSpanContextValid(sc)) return undefined;
  const out: Record<string, string> = {};
  propagation.inject(ctx, out);
  return pick(out);
}

/** The context a carrier (job data, CloudEvent, HTTP headers) continues; the root when it carries none. */
export function contextFrom(carrier: Record<string, unknown> | undefined): Context {
  const c = pick(carrier);
  return c ? propagation.extract(ROOT_CONTEXT, c) : ROOT_CONTEXT;
}

/**
 * Parent and kind of the span for an incoming request: a child of the server span an
 * instrumentation already opened (it continued the caller's `traceparent`), else the server
 * span itself, continuing the caller's `traceparent` when it sent one.
 */
export function incoming(headers: Record<string, unknown> | undefined): Pick<SpanOptions, 'parent' | 'kind'> {
  const active = context.active();
  const sc = trace.getSpanContext(active);
  return sc && isSpanContextValid(sc)
    ? { parent: active, kind: SpanKind.INTERNAL }
    : { parent: contextFrom(headers), kind: SpanKind.SERVER };
}

/** The trace context to stamp on a CloudEvent: the active one, else a fresh unsampled root (every event carries one). */
export function eventCarrier(): TraceCarrier {
  return (
    currentCarrier() ?? {
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-0${TraceFlags.NONE}`,
    }
  );
}

/** `trace_id`/`span_id` of the active span, for every log line (pino mixin); empty without one. */
export function traceLogFields(): Record<string, string> {
  const sc = trace.getSpanContext(context.active());
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

export { SpanKind };
