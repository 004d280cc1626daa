// What the image holds: /app is exactly the manifest, production node_modules and dist; no
// package the lockfile marks dev-only, no tests, no .env, no key material, no npm settings;
// and neither the build's registry argument nor its CA secret reached the runtime config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, docker } from './lib.mjs';

const INSIDE = `
const fs = require('fs'), path = require('path');
const dev = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const problems = [];
const top = fs.readdirSync('/app').sort();
if (JSON.stringify(top) !== JSON.stringify(['dist', 'node_modules', 'package-lock.json', 'package.json'])) problems.push('/app holds ' + top.join(', '));
const devFound = dev.filter((p) => fs.existsSync(path.join('/app', p)));
if (devFound.length) problems.push(devFound.length + ' dev-only packages, e.g. ' + devFound.slice(0, 5).join(', '));
const bad = [];
const walk = (d, depth) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
  const p = path.join(d, e.name);
  if (/^\\.env(\\..*)?$/.test(e.name) && e.name !== '.env.example') bad.push(p);
  if (/\\.(pem|key|p12|pfx)$|^id_(rsa|ed25519)|^\\.npmrc$/.test(e.name)) bad.push(p);
  if (p.startsWith('/app/dist') && (/\\.spec\\.js$/.test(e.name) || e.name === 'test')) bad.push(p);
  if (e.isDirectory() && depth < 12) walk(p, depth + 1);
} };
walk('/app', 0);
for (const f of ['/run/secrets/npm_ca', '/root/.npmrc', '/home/node/.npmrc', '/usr/local/etc/npmrc']) if (fs.existsSync(f)) bad.push(f);
if (bad.length) problems.push('should not be in the image: ' + bad.slice(0, 10).join(', '));
console.log(JSON.stringify(problems));
`;

export function checkContents(image, user) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const devOnly = Object.entries(lock.packages)
    .filter(([p, m]) => p && m.dev)
    .map(([p]) => p);
  if (devOnly.length < 50)
    throw new Error(`the lockfile marks only ${devOnly.length} packages dev-only: the check would not bite`);
  const r = docker(
    [
      'run',
      '--rm',
      '-i',
      '--network',
      'none',
      '--read-only',
      '--cap-drop',
      'ALL',
      '--entrypoint',
      'node',
      image,
      '-e',
      INSIDE,
    ],
    { input: JSON.stringify(devOnly) },
  );
  const problems = JSON.parse(r.stdout.split('\n').pop());
  const cfg = JSON.parse(docker(['image', 'inspect', image]).stdout)[0].Config;
  const env = (cfg.Env ?? []).join(' ');
  if (/NPM_REGISTRY|NODE_EXTRA_CA_CERTS|npm_config_registry/i.test(env))
    problems.push(`runtime env carries build settings: ${env}`);
  const history = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', image]).stdout;
  if (/npm_ca|NPM_REGISTRY/.test(history))
    problems.push('the runtime image history mentions the build registry or CA secret');
  if (cfg.User !== user) problems.push(`USER is ${cfg.User}`);
  if (problems.length) throw new Error(`image contents:\n- ${problems.join('\n- ')}`);
  return { devOnlyChecked: devOnly.length };
}
