import { execFileSync } from 'node:child_process';
import { suspiciousSecrets } from './go-live';

/**
 * Production-looking Wompi secrets anywhere in a checkout's history (every branch): each
 * added or removed line of every commit that mentions a production secret prefix, minus
 * Wompi's documented examples and obvious placeholders. Masked, never printed whole.
 */
export function gitSecrets(dir: string): string[] {
  const patch = execFileSync(
    'git',
    ['-C', dir, 'log', '--all', '-p', '--no-color', '-G', '(prv_prod|prod_integrity|prod_events)_[A-Za-z0-9]'],
    { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  );
  return suspiciousSecrets(patch);
}
