import { loadConfig } from '../config/load-config';
import { join } from 'node:path';
import { gitSecrets } from './git-secrets';
import { goLiveChecks, suspiciousSecrets } from './go-live';

const k = (p: string) => p + 'Q'.repeat(32);
const prod = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/payments',
  REDIS_URL: 'redis://redis:6379',
  AMQP_URL: 'amqp://rabbit:5672',
  WOMPI_BASE_URL: 'https://production.wompi.co/v1',
  WOMPI_PUBLIC_KEY: k('pub_prod_'),
  WOMPI_PRIVATE_KEY: k('prv_prod_'),
  WOMPI_INTEGRITY_SECRET: k('prod_integrity_'),
  WOMPI_EVENTS_SECRET: k('prod_events_'),
  INTERNAL_API_KEYS: `orders:${'x'.repeat(40)}`,
};

describe('go-live checks', () => {
  it('pass for a production configuration', () => {
    const checks = goLiveChecks(loadConfig(prod), { gitSecretsFound: [], merchantLookup: { ok: true, detail: '200' } });
    expect(checks.filter((c) => c.level !== 'pass')).toEqual([]);
    expect(checks.length).toBeGreaterThanOrEqual(14);
  });

  it('fail on sandbox keys, dev drivers, weak caller keys and secrets in git', () => {
    const sandbox = loadConfig({
      ...prod,
      NODE_ENV: 'development',
      WOMPI_BASE_URL: 'https://sandbox.wompi.co/v1',
      WOMPI_PUBLIC_KEY: k('pub_test_'),
      WOMPI_PRIVATE_KEY: k('prv_test_'),
      WOMPI_INTEGRITY_SECRET: k('test_integrity_'),
      WOMPI_EVENTS_SECRET: k('test_events_'),
      QUEUE_DRIVER: 'memory',
      AMQP_URL: '',
      INTERNAL_API_KEYS: 'orders:0123456789abcdef',
      WOMPI_VERIFY_APPROVED_BY_FETCH: 'false',
      WOMPI_CHECKOUT_URL: 'http://checkout.wompi.co/p/',
    });
    const failed = goLiveChecks(sandbox, { gitSecretsFound: ['abc1234'] })
      .filter((c) => c.level === 'fail')
      .map((c) => c.item);
    for (const needle of [
      'production keys',
      'production.wompi.co',
      'events secret',
      'verified server-side',
      'async',
      'RabbitMQ',
      'Production runtime',
      'Strong internal',
      'No secrets in git',
      'checkout redirect',
    ]) {
      expect(failed.join('\n')).toContain(needle);
    }
  });

  it('warn while an events-secret rotation is under way, and never print a secret', () => {
    const rotating = loadConfig({ ...prod, WOMPI_EVENTS_SECRET: `${k('prod_events_')},prod_events_${'R'.repeat(32)}` });
    const checks = goLiveChecks(rotating);
    expect(checks.find((c) => c.item.includes('rotation'))?.level).toBe('warn');
    expect(JSON.stringify(checks)).not.toMatch(/QQQQ|RRRR|xxxx/);
  });

  it('warn on pretty logs (LOG_FORMAT=pretty, or NODE_ENV=development by default); JSON passes', () => {
    const pretty = (env: Record<string, string>) =>
      goLiveChecks(loadConfig({ ...prod, ...env })).find((c) => c.item === 'JSON logs');
    expect(pretty({})?.level).toBe('pass');
    expect(pretty({ LOG_FORMAT: 'pretty' })?.level).toBe('warn');
    expect(pretty({ NODE_ENV: 'development' })?.level).toBe('warn');
    expect(pretty({ NODE_ENV: 'development', LOG_FORMAT: 'json' })?.level).toBe('pass');
  });
});

describe('secrets in git history', () => {
  it('flags a real-looking production secret, masked, and ignores documented examples and placeholders', () => {
    // assembled at run time: the literal must not sit in git, or `check:go-live --git .` flags this repo
    const realLooking = ['prv', 'prod', '8fK2mQ9zL1xV7cN4bR6tY3wP0sD5hJ2a'].join('_');
    const patch = [
      `+WOMPI_PRIVATE_KEY=${realLooking}`,
      "+const docs = 'prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6';",
      "+const placeholder = 'prv_prod_SECRETSECRETSECRETSECRETSECRET12';",
      "+const fake = 'prod_events_QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';",
      '+public = pub_prod_Kw4aC0rZVgLZQn209NbEKPuXLzBD28Zx',
    ].join('\n');
    expect(suspiciousSecrets(patch)).toEqual(['prv_prod_8fK2…']);
    expect(suspiciousSecrets(patch).join()).not.toContain('mQ9zL1');
  });

  it("finds none in this repository's own history (what `check:go-live --git .` reads)", () => {
    expect(gitSecrets(join(__dirname, '..', '..'))).toEqual([]);
  });
});
