/* `npm run check:go-live`: checks the go-live checklist against this environment's
 * configuration (same loader as the service). `--git <dir>` scans that checkout's history for
 * production secrets (Wompi's documented examples and placeholders aside); `--online` asks Wompi's merchant endpoint whether the public key is real.
 * Exit 1 when any check fails. Prints no secret. */
import { ConfigError } from '../config/config-error';
import { loadConfigFromProcessEnv } from '../config/load-config';
import { GoLiveFacts, goLiveChecks } from './go-live';
import { gitSecrets } from './git-secrets';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const facts: GoLiveFacts = {};
  const gitIdx = args.indexOf('--git');
  if (gitIdx >= 0) facts.gitSecretsFound = gitSecrets(args[gitIdx + 1] ?? '.');
  let config;
  try {
    config = loadConfigFromProcessEnv();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stdout.write(`FAIL configuration\n${err.message}\n`);
    if (facts.gitSecretsFound) {
      const n = facts.gitSecretsFound.length;
      process.stdout.write(
        `${n === 0 ? 'PASS' : 'FAIL'} No secrets in git — ${n === 0 ? 'none found' : facts.gitSecretsFound.join(', ')}\n`,
      );
    }
    return 1;
  }
  if (args.includes('--online')) {
    try {
      const res = await fetch(`${config.wompi.baseUrl}/merchants/${config.wompi.publicKey}`, {
        signal: AbortSignal.timeout(config.wompi.timeoutMs),
      });
      facts.merchantLookup = { ok: res.status === 200, detail: `GET /merchants/{public key} answered ${res.status}` };
    } catch (err) {
      facts.merchantLookup = {
        ok: false,
        detail: `merchant lookup failed: ${err instanceof Error ? err.name : 'error'}`,
      };
    }
  }
  const checks = goLiveChecks(config, facts);
  for (const c of checks) process.stdout.write(`${c.level.toUpperCase().padEnd(4)} ${c.item} — ${c.detail}\n`);
  const failed = checks.filter((c) => c.level === 'fail').length;
  process.stdout.write(`\n${checks.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
