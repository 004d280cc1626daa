import { context, trace } from '@opentelemetry/api';
import { contextFrom, currentCarrier, eventCarrier, incoming, inSpan, SpanKind, traceLogFields } from './trace-context';
import { InMemorySpanExporter, SimpleSpanProcessor, startTracing } from './tracing-sdk';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context without an SDK (tracing off)', () => {
  it('carries nothing, logs no ids, and stamps events with a fresh unsampled root', async () => {
    await inSpan('x', {}, async () => {
      expect(currentCarrier()).toBeUndefined();
      expect(traceLogFields()).toEqual({});
    });
    const a = eventCarrier().traceparent;
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(eventCarrier().traceparent).not.toBe(a);
  });
});

describe('trace context with the SDK', () => {
  const memory = new InMemorySpanExporter();
  let handle: ReturnType<typeof startTracing>;
  beforeAll(() => {
    handle = startTracing(
      {
        exporter: 'none',
        tracesUrl: undefined,
        headers: {},
        serviceName: 't',
        sampler: 'parentbased_always_on',
        samplerRatio: 1,
      },
      { spanProcessors: [new SimpleSpanProcessor(memory)], instrumentations: false },
    );
  });
  afterAll(() => handle?.shutdown());

  it('continues an incoming traceparent, carries the active span across an async hop, and names it in log fields', async () => {
    const parent = incoming({ traceparent: TP, tracestate: 'congo=t61rcWkgMzE' });
    expect(parent.kind).toBe(SpanKind.SERVER);
    let carried: ReturnType<typeof currentCarrier>;
    await inSpan('receive', parent, async (span) => {
      carried = currentCarrier();
      expect(traceLogFields()).toEqual({
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        span_id: span.spanContext().spanId,
      });
      // inside a server span, a request's span is its child, not a second server span
      expect(incoming({ traceparent: TP }).kind).toBe(SpanKind.INTERNAL);
    });
    expect(carried).toEqual({
      traceparent: expect.stringMatching(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/),
      tracestate: 'congo=t61rcWkgMzE',
    });
    // later, outside that context (the relay's next turn), the job continues from the carrier
    expect(trace.getSpanContext(context.active())).toBeUndefined();
    await inSpan('job', { parent: contextFrom(carried as never) }, async () => undefined);
    const [receive, job] = memory.getFinishedSpans();
    expect(receive.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(job.parentSpanContext?.spanId).toBe(receive.spanContext().spanId);
    expect(job.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('ignores a malformed traceparent (a new root) and marks a failed span as an error', async () => {
    await expect(
      inSpan('bad', { parent: contextFrom({ traceparent: 'nonsense' }) }, async () => {
        throw new TypeError('boom with buyer@example.com');
      }),
    ).rejects.toThrow('boom');
    const bad = memory.getFinishedSpans().find((s) => s.name === 'bad')!;
    expect(bad.parentSpanContext).toBeUndefined();
    expect(bad.status).toEqual({ code: 2, message: 'TypeError' });
  });
});
