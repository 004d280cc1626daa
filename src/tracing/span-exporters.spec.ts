import { ExportResultCode } from '@opentelemetry/core';
import { tracing } from '@opentelemetry/sdk-node';
import { redactAttributes, RedactingSpanExporter } from './span-exporters';

describe('span redaction', () => {
  it('applies the log redaction rules to attribute values and masks personal or secret attribute names', () => {
    const attrs: Record<string, unknown> = {
      'http.request.header.authorization': ['Bearer abc.def'],
      'customer.email': 'juana@example.com',
      'buyer.phone_number': '+573001234567',
      'payment.reference': 'order-1',
      'db.statement': 'select 1 -- 4242 4242 4242 4242 prv_test_abcdef',
      'url.full': 'https://sandbox.wompi.co/v1/transactions?reference=order-1',
      'url.query': 'reference=order-1',
      'messaging.rabbitmq.destination.routing_key': 'transaction.approved',
      'http.response.status_code': 200,
      'payment.id': '0f8fad5b-d9cb-469f-a165-70867728950e',
    };
    redactAttributes(attrs as never);
    expect(attrs).toEqual({
      'http.request.header.authorization': '[REDACTED]',
      'customer.email': '[REDACTED]',
      'buyer.phone_number': '[REDACTED]',
      'payment.reference': '[REDACTED]',
      'db.statement': 'select 1 -- [REDACTED] [REDACTED]',
      'url.full': 'https://sandbox.wompi.co/v1/transactions',
      'url.query': '[REDACTED]',
      'messaging.rabbitmq.destination.routing_key': 'transaction.approved',
      'http.response.status_code': 200,
      'payment.id': '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
  });

  it('redacts every span before the wrapped exporter sees it', async () => {
    const memory = new tracing.InMemorySpanExporter();
    const provider = new tracing.BasicTracerProvider({
      spanProcessors: [new tracing.SimpleSpanProcessor(new RedactingSpanExporter(memory))],
    });
    const span = provider
      .getTracer('t')
      .startSpan('x', { attributes: { 'enduser.email': 'a@b.co', note: 'card 4111 1111 1111 1111' } });
    span.addEvent('e', { 'user.token': 'tok_test_123' });
    span.end();
    await provider.forceFlush();
    const [s] = memory.getFinishedSpans();
    expect(s.attributes).toEqual({ 'enduser.email': '[REDACTED]', note: 'card [REDACTED]' });
    expect(s.events[0].attributes).toEqual({ 'user.token': '[REDACTED]' });
    expect(ExportResultCode.SUCCESS).toBe(0);
  });
});
