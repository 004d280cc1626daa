import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

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

describe('loadConfig', () => {
  it('builds a typed config from a valid environment', () => {
    const c = loadConfig({ ...base, ROLE: 'worker', PORT: '8080', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' });
    expect(c.role).toBe('worker');
    expect(c.port).toBe(8080);
    expect(c.wompi.environment).toBe('test');
    expect(c.wompi.eventsSecrets).toEqual([k('test_events_')]);
    expect(c.apiKeys).toEqual([{ name: 'orders', key: '0123456789abcdef0123' }]);
    expect(c.busDriver).toBe('amqp');
    expect(c.amqpExchange).toBe('payments.events');
  });

  it('serves /docs by default outside production, not in production, and as DOCS_ENABLED says', () => {
    expect(loadConfig({ ...base }).docsEnabled).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).docsEnabled).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).docsEnabled).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'production', DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    expect(loadConfig({ ...base, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(problemsOf({ ...base, DOCS_ENABLED: 'maybe' })).toEqual(['DOCS_ENABLED must be true or false']);
  });

  it('refuses a test key against the production URL, naming both', () => {
    const problems = problemsOf({ ...base, WOMPI_BASE_URL: 'https://production.wompi.co/v1' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('WOMPI_BASE_URL');
    expect(problems[0]).toContain('production');
    expect(problems[0]).toContain('WOMPI_PUBLIC_KEY');
  });

  it('refuses production keys against the sandbox URL', () => {
    const prod = {
      WOMPI_PUBLIC_KEY: k('pub_prod_'),
      WOMPI_PRIVATE_KEY: k('prv_prod_'),
      WOMPI_INTEGRITY_SECRET: k('prod_integrity_'),
      WOMPI_EVENTS_SECRET: k('prod_events_'),
    };
    expect(problemsOf({ ...base, ...prod }).join('\n')).toMatch(/sandbox/);
    expect(problemsOf({ ...base, ...prod, WOMPI_BASE_URL: 'https://production.wompi.co/v1' })).toEqual([]);
  });

  it('lists every missing variable at once', () => {
    const problems = problemsOf({
      ...base,
      DATABASE_URL: undefined,
      WOMPI_PRIVATE_KEY: '',
      INTERNAL_API_KEYS: undefined,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('DATABASE_URL is required'),
        expect.stringContaining('WOMPI_PRIVATE_KEY is required'),
        expect.stringContaining('INTERNAL_API_KEYS is required'),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('refuses mixed test and production keys', () => {
    const problems = problemsOf({ ...base, WOMPI_PRIVATE_KEY: k('prv_prod_') });
    expect(problems.join('\n')).toMatch(/mixed.*WOMPI_PRIVATE_KEY/);
  });

  it('refuses a non-HTTPS Wompi URL with production keys', () => {
    const prod = {
      WOMPI_PUBLIC_KEY: k('pub_prod_'),
      WOMPI_PRIVATE_KEY: k('prv_prod_'),
      WOMPI_INTEGRITY_SECRET: k('prod_integrity_'),
      WOMPI_EVENTS_SECRET: k('prod_events_'),
    };
    expect(problemsOf({ ...base, ...prod, WOMPI_BASE_URL: 'http://wompi-proxy.internal/v1' }).join('\n')).toMatch(
      /https/,
    );
    // a local sandbox over http is fine with test keys
    expect(problemsOf({ ...base, WOMPI_BASE_URL: 'http://127.0.0.1:3100/v1' })).toEqual([]);
  });

  it('refuses a non-HTTPS checkout URL with production keys, and a checkout URL that is not a URL', () => {
    const prod = {
      WOMPI_BASE_URL: 'https://production.wompi.co/v1',
      WOMPI_PUBLIC_KEY: k('pub_prod_'),
      WOMPI_PRIVATE_KEY: k('prv_prod_'),
      WOMPI_INTEGRITY_SECRET: k('prod_integrity_'),
      WOMPI_EVENTS_SECRET: k('prod_events_'),
    };
    expect(problemsOf({ ...base, ...prod, WOMPI_CHECKOUT_URL: 'http://checkout.wompi.co/p/' })).toEqual([
      'WOMPI_CHECKOUT_URL must use https with production keys',
    ]);
    expect(problemsOf({ ...base, ...prod })).toEqual([]);
    expect(problemsOf({ ...base, WOMPI_CHECKOUT_URL: 'http://127.0.0.1:3100/p/' })).toEqual([]); // a local sandbox page with test keys
    expect(problemsOf({ ...base, WOMPI_CHECKOUT_URL: 'checkout.wompi.co' })).toEqual([
      'WOMPI_CHECKOUT_URL is not a valid URL',
    ]);
  });

  it('accepts several events secrets during rotation, all of the same environment', () => {
    const c = loadConfig({ ...base, WOMPI_EVENTS_SECRET: `${k('test_events_')},test_events_old${'B'.repeat(29)}` });
    expect(c.wompi.eventsSecrets).toHaveLength(2);
    expect(
      problemsOf({ ...base, WOMPI_EVENTS_SECRET: `${k('test_events_')},${k('prod_events_')}` }).join('\n'),
    ).toMatch(/mixed/);
  });

  it('refuses malformed INTERNAL_API_KEYS entries', () => {
    expect(problemsOf({ ...base, INTERNAL_API_KEYS: 'no-colon-here' }).join('\n')).toMatch(/INTERNAL_API_KEYS entry 1/);
    expect(problemsOf({ ...base, INTERNAL_API_KEYS: 'orders:short' }).join('\n')).toMatch(/shorter than 16/);
    expect(problemsOf({ ...base, INTERNAL_API_KEYS: 'a:0123456789abcdef0,a:0123456789abcdef1' }).join('\n')).toMatch(
      /more than once/,
    );
  });

  it('never echoes a secret in its messages', () => {
    const secret = 'prv_prod_SECRETSECRETSECRETSECRETSECRET12';
    const problems = problemsOf({ ...base, WOMPI_PRIVATE_KEY: secret, WOMPI_BASE_URL: 'not a url' });
    expect(problems.join('\n')).not.toContain('SECRETSECRET');
  });

  it('refuses the in-memory queue in production', () => {
    expect(problemsOf({ ...base, NODE_ENV: 'production', QUEUE_DRIVER: 'memory' }).join('\n')).toMatch(
      /QUEUE_DRIVER=memory/,
    );
  });

  it('limits operators to known callers', () => {
    expect(loadConfig({ ...base, OPERATOR_CALLERS: 'orders' }).operatorCallers).toEqual(['orders']);
    expect(loadConfig(base).operatorCallers).toEqual([]);
    expect(problemsOf({ ...base, OPERATOR_CALLERS: 'orders,ghost' }).join('\n')).toMatch(
      /OPERATOR_CALLERS names ghost/,
    );
  });

  it('takes EXTERNAL_PAYMENTS_OWNER only as a known caller; unset = nobody', () => {
    expect(loadConfig(base).externalPaymentsOwner).toBeNull();
    expect(loadConfig({ ...base, EXTERNAL_PAYMENTS_OWNER: 'orders' }).externalPaymentsOwner).toBe('orders');
    expect(problemsOf({ ...base, EXTERNAL_PAYMENTS_OWNER: 'ghost' }).join('\n')).toMatch(
      /EXTERNAL_PAYMENTS_OWNER names ghost/,
    );
  });

  it('bounds how long a create waits for async_payment_url (WOMPI_ASYNC_URL_WAIT_MS)', () => {
    expect(loadConfig(base).asyncUrlWaitMs).toBe(3000);
    expect(loadConfig({ ...base, WOMPI_ASYNC_URL_WAIT_MS: '0' }).asyncUrlWaitMs).toBe(0);
    expect(problemsOf({ ...base, WOMPI_ASYNC_URL_WAIT_MS: '60000' })).toEqual([
      'WOMPI_ASYNC_URL_WAIT_MS must be an integer between 0 and 30000',
    ]);
    expect(problemsOf({ ...base, WOMPI_ASYNC_URL_WAIT_MS: '3s' })).toEqual([
      'WOMPI_ASYNC_URL_WAIT_MS must be an integer between 0 and 30000',
    ]);
  });
});
