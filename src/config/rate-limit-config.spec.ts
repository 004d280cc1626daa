import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import { RATE_LIMIT_DEFAULTS, RATE_LIMIT_TEST_DEFAULTS } from './rate-limit-config';

const k = (prefix: string) => prefix + 'A'.repeat(32);
const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/payments',
  REDIS_URL: 'redis://127.0.0.1:6379',
  WOMPI_BASE_URL: 'https://sandbox.wompi.co/v1',
  WOMPI_PUBLIC_KEY: k('pub_test_'),
  WOMPI_PRIVATE_KEY: k('prv_test_'),
  WOMPI_INTEGRITY_SECRET: k('test_integrity_'),
  WOMPI_EVENTS_SECRET: k('test_events_'),
  INTERNAL_API_KEYS: 'orders:0123456789abcdef0123',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('rate-limit configuration', () => {
  it('defaults: enabled, in memory, production budgets; NODE_ENV=test budgets out of reach of suites', () => {
    const prod = loadConfig({ ...base, NODE_ENV: 'production' });
    expect(prod.rateLimits).toEqual({ enabled: true, store: 'memory', redisUrl: undefined, ...RATE_LIMIT_DEFAULTS });
    expect(prod.trustProxy).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).rateLimits).toMatchObject(RATE_LIMIT_TEST_DEFAULTS);
    expect(loadConfig({ ...base, NODE_ENV: 'test', RATE_LIMIT_INTERNAL_PER_MIN: '5' }).rateLimits.internalPerMin).toBe(
      5,
    );
  });

  it('the Redis store uses RATE_LIMIT_REDIS_URL, else REDIS_URL, and needs one of them', () => {
    expect(loadConfig({ ...base, RATE_LIMIT_STORE: 'redis' }).rateLimits.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(
      loadConfig({ ...base, RATE_LIMIT_STORE: 'redis', RATE_LIMIT_REDIS_URL: 'redis://limits:6380' }).rateLimits
        .redisUrl,
    ).toBe('redis://limits:6380');
    expect(problemsOf({ ...base, QUEUE_DRIVER: 'memory', REDIS_URL: undefined, RATE_LIMIT_STORE: 'redis' })).toEqual([
      expect.stringContaining('RATE_LIMIT_STORE=redis needs'),
    ]);
  });

  it('reports every bad rate-limit variable together', () => {
    const problems = problemsOf({
      ...base,
      RATE_LIMIT_ENABLED: 'maybe',
      RATE_LIMIT_STORE: 'memcached',
      RATE_LIMIT_INTERNAL_PER_MIN: '0',
      RATE_LIMIT_UNAUTHENTICATED_PER_MIN: 'ten',
      RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN: '-1',
      RATE_LIMIT_REDIS_URL: 'http://x',
      TRUST_PROXY: 'true',
    });
    expect(problems).toEqual([
      expect.stringContaining('TRUST_PROXY=true'),
      expect.stringContaining('RATE_LIMIT_STORE must be one of'),
      expect.stringContaining('RATE_LIMIT_REDIS_URL must use'),
      expect.stringContaining('RATE_LIMIT_ENABLED must be true or false'),
      expect.stringContaining('RATE_LIMIT_INTERNAL_PER_MIN'),
      expect.stringContaining('RATE_LIMIT_UNAUTHENTICATED_PER_MIN'),
      expect.stringContaining('RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN'),
    ]);
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['loopback,uniquelocal,fd00::/8', ['loopback', 'uniquelocal', 'fd00::/8']],
  ])('TRUST_PROXY=%s → %j', (value, expected) => {
    expect(loadConfig({ ...base, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', '11', '10.0.0.0/33', 'ingress-nginx', '10.0.0.1/8/2'])('TRUST_PROXY=%s is refused', (value) => {
    expect(problemsOf({ ...base, TRUST_PROXY: value })).toEqual([expect.stringContaining('TRUST_PROXY')]);
  });
});
