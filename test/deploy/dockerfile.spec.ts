/* The Dockerfile, parsed: stages, user, PID 1, healthcheck, no secrets; and .dockerignore
 * keeping secrets, local data and VCS out of the build context. `npm run test:image` builds and
 * runs it for real (scripts/image/). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './harness';
import { imageNodeOptions, Instruction, parseDockerfile } from './dockerfile';

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const { instructions, stages } = parseDockerfile(dockerfile);
const last = stages.length - 1;
const runtime = instructions.filter((i) => i.stage === last);
const find = (list: Instruction[], op: string) => list.filter((i) => i.op === op);

const LTS_MAJOR = fs.readFileSync(path.join(ROOT, '.node-version'), 'utf8').trim().split('.')[0];

it('is multi-stage: installs with the lockfile, builds, prunes dev dependencies, then a separate runtime stage', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  // each stage starts from the Active LTS slim image (.node-version), from scratch (sources
  // only) or from an earlier stage
  const nodeImage = new RegExp(`^node:${LTS_MAJOR}-bookworm-slim(@sha256:[0-9a-f]{64})?$`);
  stages.forEach((s, i) => {
    const earlier = stages.slice(0, i).map((x) => x.name);
    if (!earlier.includes(s.from) && s.from !== 'scratch') expect(s.from).toMatch(nodeImage);
  });
  expect(stages[last].from).toMatch(nodeImage);
  const runs = find(instructions, 'RUN')
    .filter((i) => i.stage < last)
    .map((i) => i.args)
    .join('\n');
  expect(runs).toMatch(/npm ci\b/);
  expect(runs).toMatch(/npm run build/);
  expect(runs).toMatch(/npm prune --omit=dev/);
  const lockCopy = instructions.findIndex((i) => i.op === 'COPY' && i.args.includes('package-lock.json'));
  const ci = instructions.findIndex((i) => i.op === 'RUN' && /npm ci\b/.test(i.args));
  expect(lockCopy).toBeGreaterThanOrEqual(0);
  expect(lockCopy).toBeLessThan(ci);
  // the runtime takes one allow-listed directory from the build: the pruned node_modules and dist
  const fromCopies = find(runtime, 'COPY')
    .filter((i) => /--from=/.test(i.args))
    .map((i) => i.args);
  expect(fromCopies).toEqual(['--from=build /out ./']);
  const intoOut = /mv ([^&]+) \/out\/?(\s|$)/.exec(runs)?.[1].trim().split(/\s+/).sort();
  expect(intoOut).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
  expect(
    find(runtime, 'RUN')
      .map((i) => i.args)
      .join('\n'),
  ).not.toMatch(/npm (ci|install)/);
});

it('gives the npm registry and CA bundle to npm ci only: a build arg and a build secret in the deps stage, never in the runtime', () => {
  const ci = instructions.find((i) => i.op === 'RUN' && /npm ci\b/.test(i.args))!;
  expect(ci.args).toMatch(/^--mount=type=secret,id=npm_ca\b/);
  expect(ci.args).toMatch(/--registry="\$NPM_REGISTRY"/);
  const argAt = instructions.findIndex((i) => i.op === 'ARG' && /^NPM_REGISTRY\b/.test(i.args));
  expect(instructions[argAt].stage).toBe(ci.stage);
  expect(ci.stage).toBeLessThan(last);
  expect(runtime.map((i) => i.args).join('\n')).not.toMatch(/NPM_REGISTRY|npm_ca|NODE_EXTRA_CA_CERTS/);
  // no "# syntax=" line: a builder without a registry must not have to pull a frontend image
  expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
});

it('runs as a non-root user with NODE_ENV=production', () => {
  const users = find(runtime, 'USER');
  expect(users.length).toBeGreaterThan(0);
  const user = users[users.length - 1].args.split(':')[0];
  expect(['root', '0', '']).not.toContain(user);
  expect(
    find(runtime, 'ENV')
      .map((i) => i.args)
      .join(' '),
  ).toMatch(/\bNODE_ENV=production\b/);
});

it('uses tini as PID 1 and starts the production entry', () => {
  const [entry] = find(runtime, 'ENTRYPOINT').slice(-1);
  expect(JSON.parse(entry.args)).toEqual(['/usr/bin/tini', '--']);
  expect(
    find(runtime, 'RUN')
      .map((i) => i.args)
      .join('\n'),
  ).toMatch(/install[^\n]*\btini\b/);
  const [cmd] = find(runtime, 'CMD').slice(-1);
  expect(JSON.parse(cmd.args)).toEqual(['node', 'dist/src/main.js']);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  // the image's command with the image's NODE_OPTIONS (the V8 heap flag)
  expect(pkg.scripts.start).toBe(`node ${imageNodeOptions()} dist/src/main.js`);
});

it('has a HEALTHCHECK with node on /health/live (no curl in the image) and EXPOSEs 3000', () => {
  const [hc] = find(runtime, 'HEALTHCHECK');
  expect(hc).toBeDefined();
  expect(hc.args).toMatch(/CMD \["node", "-e"/);
  expect(hc.args).toContain('/health/live');
  expect(dockerfile).not.toMatch(/\b(curl|wget)\b/);
  expect(find(runtime, 'EXPOSE').map((i) => i.args)).toContain('3000');
});

it('bakes in no .env file and no secret', () => {
  for (const i of instructions.filter((x) => x.op === 'COPY' || x.op === 'ADD')) {
    expect(i.args).not.toMatch(/(^|\s|\/)\.env\b/);
    expect(i.args).not.toMatch(/^(--\S+\s+)*\.\s/); // COPY . would rely on .dockerignore alone
  }
  const envAndArgs = instructions
    .filter((i) => i.op === 'ENV' || i.op === 'ARG')
    .map((i) => i.args)
    .join(' ');
  expect(envAndArgs).not.toMatch(/WOMPI_|DATABASE_URL|REDIS_URL|AMQP_URL|INTERNAL_API_KEYS|SECRET|PASSWORD|TOKEN/i);
});

describe('.dockerignore', () => {
  const patterns = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('excludes .env, node_modules, .git and .data', () => {
    for (const p of ['.env', 'node_modules', '.git', '.data']) expect(patterns).toContain(p);
    expect(patterns).toContain('**/.env');
  });

  it('does not exclude what the Dockerfile copies, and every copied path exists', () => {
    const sources = find(instructions, 'COPY')
      .filter((i) => !/--from=/.test(i.args))
      .flatMap((i) =>
        i.args
          .replace(/--\S+\s+/g, '')
          .split(/\s+/)
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect({ src, exists: fs.existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
      expect({ src, ignored: patterns.includes(src) || patterns.includes(src.replace(/\/$/, '')) }).toEqual({
        src,
        ignored: false,
      });
    }
  });
});
