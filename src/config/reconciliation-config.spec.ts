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

describe('RECONCILIATION_* configuration', () => {
  it('defaults to 03:00 America/Bogota, scheduled by worker processes only', () => {
    expect(loadConfig(base).reconciliation).toEqual({
      enabled: true,
      hour: 3,
      timeZone: 'America/Bogota',
      overlapHours: 6,
      pageSize: 100,
      maxRangeDays: 31,
      maxWaitMs: 21_600_000,
    });
    expect(loadConfig({ ...base, ROLE: 'worker' }).reconciliation.enabled).toBe(true);
    expect(loadConfig({ ...base, ROLE: 'api' }).reconciliation.enabled).toBe(false);
  });

  it('refuses a bad hour, an unknown zone and a zero page size, all at once', () => {
    let problems: string[] = [];
    try {
      loadConfig({
        ...base,
        RECONCILIATION_HOUR: '24',
        RECONCILIATION_TZ: 'Mars/Olympus',
        RECONCILIATION_PAGE_SIZE: '0',
      });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('RECONCILIATION_HOUR'),
        expect.stringContaining('RECONCILIATION_TZ'),
        expect.stringContaining('RECONCILIATION_PAGE_SIZE'),
      ]),
    );
  });
});
