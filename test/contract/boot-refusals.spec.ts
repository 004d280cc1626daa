/* Service contract, Configuration: boot refuses, listing every problem at once, a key whose prefix
 * disagrees with WOMPI_BASE_URL — also when the keys are mixed among themselves — and a
 * non-HTTPS Wompi URL. Run as an operator would: the entry point as a child process. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BOOT_BOUND_MS } from '../support/app';

jest.setTimeout(BOOT_BOUND_MS + 60_000); // each test boots the service once

const ROOT = join(__dirname, '..', '..');
const NODE_ARGS = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
const k = (prefix: string) => prefix + 'Zq9'.repeat(11);

function boot(env: Record<string, string | undefined>) {
  return spawnSync(process.execPath, NODE_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: BOOT_BOUND_MS, // a refusal comes once the modules are loaded: slow on a busy machine
  });
}

const prod = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none',
  REDIS_URL: 'redis://127.0.0.1:6379',
  WOMPI_BASE_URL: 'https://production.wompi.co/v1',
  WOMPI_PUBLIC_KEY: k('pub_prod_'),
  WOMPI_PRIVATE_KEY: k('prv_prod_'),
  WOMPI_INTEGRITY_SECRET: k('prod_integrity_'),
  WOMPI_EVENTS_SECRET: k('prod_events_'),
  INTERNAL_API_KEYS: 'orders:0123456789abcdef0123',
};

describe('contract: boot refusals', () => {
  it('a pub_test_ key against the production URL names both, even when the other keys are production ones', () => {
    const r = boot({ ...prod, WOMPI_PUBLIC_KEY: k('pub_test_') });
    expect(r.status).toBe(1);
    const problems = r.stderr.split('\n').filter((l) => l.trim().startsWith('- '));
    // one line that names the URL and the disagreeing key together, besides the "mixed" line
    expect(problems.some((l) => l.includes('WOMPI_BASE_URL') && l.includes('WOMPI_PUBLIC_KEY'))).toBe(true);
    expect(problems.some((l) => l.includes('mixed'))).toBe(true);
    expect(r.stderr).not.toContain(prod.WOMPI_PRIVATE_KEY);
  });

  it('production keys against the sandbox URL name the URL even when one events secret is a test one', () => {
    const r = boot({
      ...prod,
      WOMPI_BASE_URL: 'https://sandbox.wompi.co/v1',
      WOMPI_EVENTS_SECRET: `${k('prod_events_')},${k('test_events_')}`,
    });
    expect(r.status).toBe(1);
    const problems = r.stderr.split('\n').filter((l) => l.trim().startsWith('- '));
    expect(problems.some((l) => l.includes('WOMPI_BASE_URL') && l.includes('WOMPI_PUBLIC_KEY'))).toBe(true);
  });

  it('refuses a non-HTTPS Wompi URL in production, whatever the keys', () => {
    const r = boot({
      ...prod,
      NODE_ENV: 'production',
      WOMPI_BASE_URL: 'http://sandbox.wompi.co/v1',
      WOMPI_PUBLIC_KEY: k('pub_test_'),
      WOMPI_PRIVATE_KEY: k('prv_test_'),
      WOMPI_INTEGRITY_SECRET: k('test_integrity_'),
      WOMPI_EVENTS_SECRET: k('test_events_'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/WOMPI_BASE_URL must use https/);
  });
});
