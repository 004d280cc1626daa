import { ConfigError } from './config-error';
import { loadSandboxConfig } from './sandbox-config';

describe('loadSandboxConfig', () => {
  it('defaults: port 3100, 127.0.0.1, retries 30m/3h/24h, card 1 s, async 3 s, delivery timeout 10 s, no faults', () => {
    const c = loadSandboxConfig({});
    expect(c).toEqual({
      port: 3100,
      host: '127.0.0.1',
      keys: {},
      eventsUrl: undefined,
      retryDelaysMs: [1_800_000, 10_800_000, 86_400_000],
      cardDelayMs: 1000,
      asyncDelayMs: 3000,
      deliveryTimeoutMs: 10_000,
      silent: false,
      faults: {},
    });
  });

  it('reads every SANDBOX_* variable', () => {
    const c = loadSandboxConfig({
      SANDBOX_PORT: '4000',
      SANDBOX_PUBLIC_KEY: 'pub_test_abc',
      SANDBOX_PRIVATE_KEY: 'prv_test_abc',
      SANDBOX_INTEGRITY_SECRET: 'test_integrity_abc',
      SANDBOX_EVENTS_SECRET: 'test_events_abc',
      SANDBOX_EVENTS_URL: 'http://localhost:3000/v1/webhooks/wompi',
      SANDBOX_RETRY_DELAYS: '1s,2s,3s',
      SANDBOX_CARD_DELAY_MS: '10',
      SANDBOX_ASYNC_DELAY_MS: '20',
      SANDBOX_DELIVERY_TIMEOUT_MS: '500',
      SANDBOX_LATENCY_MS: '50',
      SANDBOX_ERROR_RATE: '0.25',
      SANDBOX_WEBHOOK_DROP_NEXT: '2',
      SANDBOX_WEBHOOK_DUPLICATE: 'true',
      SANDBOX_WEBHOOK_REORDER: '1',
      SANDBOX_BUYER_RETRY: 'yes',
    });
    expect(c.port).toBe(4000);
    expect(c.keys).toEqual({
      publicKey: 'pub_test_abc',
      privateKey: 'prv_test_abc',
      integritySecret: 'test_integrity_abc',
      eventsSecret: 'test_events_abc',
    });
    expect(c.retryDelaysMs).toEqual([1000, 2000, 3000]);
    expect([c.cardDelayMs, c.asyncDelayMs, c.deliveryTimeoutMs]).toEqual([10, 20, 500]);
    expect(c.faults).toEqual({
      latency_ms: 50,
      error_rate: 0.25,
      webhooks: { drop_next: 2, duplicate: true, reorder: true },
      buyer_retry: true,
    });
  });

  it('reports every problem at once, never echoing values', () => {
    let err: unknown;
    try {
      loadSandboxConfig({
        SANDBOX_PUBLIC_KEY: 'pub_prod_secretvalue',
        SANDBOX_RETRY_DELAYS: '30x',
        SANDBOX_ERROR_RATE: '2',
        SANDBOX_EVENTS_URL: 'ftp://x',
        SANDBOX_PORT: 'abc',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).not.toContain('secretvalue');
  });
});
