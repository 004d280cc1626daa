import { EnvReader } from './env-reader';
import { loadTracingConfig } from './tracing-config';

const load = (env: Record<string, string>, nodeEnv = 'production', logLevel = 'info') => {
  const r = new EnvReader(env);
  return { cfg: loadTracingConfig(r, nodeEnv, logLevel), problems: r.problems };
};

describe('loadTracingConfig', () => {
  it('is off without an endpoint, and exports OTLP/HTTP to <endpoint>/v1/traces with one', () => {
    expect(load({}).cfg).toMatchObject({
      exporter: 'none',
      tracesUrl: undefined,
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      serviceName: 'payments-service',
    });
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).cfg).toMatchObject({
      exporter: 'otlp',
      tracesUrl: 'http://collector:4318/v1/traces',
    });
    expect(
      load({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/traces',
      }).cfg.tracesUrl,
    ).toBe('https://t.example/traces');
  });

  it('prints spans to the log in development at debug level when no endpoint is set', () => {
    expect(load({}, 'development', 'debug').cfg.exporter).toBe('console');
    expect(load({}, 'development', 'info').cfg.exporter).toBe('none');
    expect(load({}, 'production', 'debug').cfg.exporter).toBe('none');
    expect(load({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).cfg.exporter).toBe('none');
  });

  it('reads the sampler, its ratio and the exporter headers', () => {
    const { cfg, problems } = load({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D,x=1',
      OTEL_SERVICE_NAME: 'payments-eu',
    });
    expect(problems).toEqual([]);
    expect(cfg).toMatchObject({
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      headers: { 'api-key': 'abc=', x: '1' },
      serviceName: 'payments-eu',
    });
  });

  it('reports every bad variable', () => {
    const { problems } = load({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x',
    });
    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must use http: or https:',
      'OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1',
      'OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value',
      'OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
    ]);
  });
});
