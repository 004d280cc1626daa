/* The README and docs/ cannot drift from the repository: every relative link (and #anchor)
 * resolves, every `npm run <script>` exists, every variable src/config reads is documented
 * (docs/configuration.md; the sandbox's in docs/sandbox.md) and every documented variable is
 * read, and the README stays short. Pure file reading: no services. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

const README_MAX_LINES = 250;

/** README.md and every docs/*.md, as paths relative to the repository root. */
function markdownFiles(root = ROOT): string[] {
  const docs = fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** The text without fenced code blocks (their lines become empty, so line numbers hold). */
function withoutFences(md: string): string {
  let inFence = false;
  return md
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** GitHub's heading anchor: markup dropped, lower case, punctuation removed, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a markdown file offers, duplicates numbered as GitHub does (`x`, `x-1`, …). */
function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutFences(md).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = githubSlug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline links and images outside code (fences and `inline code`). */
function linksOf(file: string, md: string): Link[] {
  const out: Link[] = [];
  withoutFences(md)
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        out.push({ file, line: i + 1, target: m[1] });
      }
    });
  return out;
}

/** Problems with the relative links of one file (external links are not fetched). */
function brokenLinks(file: string, md: string, root = ROOT): string[] {
  const problems: string[] = [];
  for (const { line, target } of linksOf(file, md)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
    const targetFile = rawPath === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), rawPath));
    const where = `${file}:${line} → ${target}`;
    if (targetFile.startsWith('..') || !fs.existsSync(path.join(root, targetFile))) {
      problems.push(`${where}: ${targetFile} does not exist`);
      continue;
    }
    if (anchor !== undefined && targetFile.endsWith('.md')) {
      const anchors = anchorsOf(fs.readFileSync(path.join(root, targetFile), 'utf8'));
      if (!anchors.has(decodeURIComponent(anchor).toLowerCase()))
        problems.push(`${where}: no heading with anchor #${anchor} in ${targetFile}`);
    }
  }
  return problems;
}

/** `npm run <script>` mentions, in code or prose. */
function npmScriptsMentioned(md: string): string[] {
  return [...md.matchAll(/npm run ([a-z][\w:.-]*[\w])/g)].map((m) => m[1]);
}

/** Source text without comments (block comments and `//` comments that are not part of a URL). */
function stripComments(ts: string): string {
  return ts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * Environment variables a src/config file reads: the upper-case string literals it passes as an
 * argument or list item — `r.int('DB_POOL_MAX', …)`, `parseMethodDurations(r, 'PENDING_HORIZONS', …)`,
 * `r.oneOf(\n 'LOG_LEVEL', …)`, `['SANDBOX_PUBLIC_KEY', …]`. Comparisons (`x === 'NAME'`) are not reads.
 */
function envNamesRead(ts: string): string[] {
  const names = new Set<string>();
  for (const m of stripComments(ts).matchAll(/[(,[]\s*(['"])([A-Z][A-Z0-9_]*)\1/g)) names.add(m[2]);
  return [...names].sort();
}

/** The first-column `NAME`s of the tables whose header's first cell is exactly `header`. */
function tableNames(md: string, header: string): string[] {
  const names: string[] = [];
  let inTable = false;
  for (const line of withoutFences(md).split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const first = line.split('|')[1]?.trim() ?? '';
    if (!inTable) {
      inTable = first === header;
      continue;
    }
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*(?:_\*)?)`/g)) names.push(m[1]);
  }
  return names;
}

/** The text of one `## heading` section (up to the next heading of level ≤ 2). */
function section(md: string, heading: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Read by a src/config name list: exact, or `PREFIX_*` matching at least one name. */
function isRead(name: string, read: Set<string>): boolean {
  if (!name.endsWith('_*')) return read.has(name);
  const prefix = name.slice(0, -1);
  return [...read].some((r) => r.startsWith(prefix));
}

const configFiles = fs
  .readdirSync(path.join(ROOT, 'src', 'config'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
  .map((f) => `src/config/${f}`);
const SANDBOX_CONFIG = 'src/config/sandbox-config.ts';
const readBy = new Map(configFiles.map((f) => [f, envNamesRead(read(f))]));
const serviceVars = new Set([...readBy].filter(([f]) => f !== SANDBOX_CONFIG).flatMap(([, names]) => names));
const sandboxVars = new Set(readBy.get(SANDBOX_CONFIG) ?? []);
const allVars = new Set([...serviceVars, ...sandboxVars]);

describe('README.md and docs/', () => {
  const files = markdownFiles();

  it(`README.md is at most ${README_MAX_LINES} lines`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('every relative link resolves to a file, and every #anchor to a heading (GitHub slugs)', () => {
    const problems = files.flatMap((f) => brokenLinks(f, read(f)));
    expect(problems).toEqual([]);
  });

  it('every `npm run <script>` mentioned exists in package.json', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const unknown = files.flatMap((f) =>
      npmScriptsMentioned(read(f))
        .filter((s) => !scripts.includes(s))
        .map((s) => `${f}: npm run ${s}`),
    );
    expect(unknown).toEqual([]);
  });

  it('names no document outside this repository (REFERENCE.md, CONTRACT.md)', () => {
    const hits = files.flatMap((f) =>
      read(f)
        .split('\n')
        .map((l, i) => (/REFERENCE\.md|REFERENCE\s*§|\bCONTRACT\b/.test(l) ? `${f}:${i + 1}` : ''))
        .filter(Boolean),
    );
    expect(hits).toEqual([]);
  });
});

describe('environment variables: src/config ↔ docs', () => {
  const configurationDoc = read('docs/configuration.md');
  const documented = tableNames(configurationDoc, 'variable');
  const sandboxDocumented = tableNames(section(read('docs/sandbox.md'), 'Variables'), 'variable');

  it('the parser finds what src/config reads (guards the guard)', () => {
    for (const name of ['PORT', 'ROLE', 'DB_POOL_MAX', 'LOG_LEVEL', 'PENDING_HORIZONS', 'OTEL_SERVICE_NAME'])
      expect(serviceVars).toContain(name);
    for (const name of ['SANDBOX_PORT', 'SANDBOX_PUBLIC_KEY', 'SANDBOX_ERROR_RATE', 'SANDBOX_RETRY_DELAYS'])
      expect(sandboxVars).toContain(name);
    expect(serviceVars.size).toBeGreaterThan(60);
    expect(documented.length).toBeGreaterThan(60);
    expect(sandboxDocumented.length).toBeGreaterThan(10);
  });

  it('every variable src/config reads is in docs/configuration.md (the sandbox’s in docs/sandbox.md “Variables”)', () => {
    const missing = [...serviceVars].filter((v) => !documented.includes(v)).map((v) => `docs/configuration.md: ${v}`);
    const missingSandbox = [...sandboxVars]
      .filter((v) => !sandboxDocumented.includes(v))
      .map((v) => `docs/sandbox.md: ${v}`);
    expect([...missing, ...missingSandbox]).toEqual([]);
  });

  it('every variable documented there is read by src/config (no stale rows)', () => {
    const stale = documented.filter((v) => !isRead(v, allVars)).map((v) => `docs/configuration.md: ${v}`);
    const staleSandbox = sandboxDocumented.filter((v) => !sandboxVars.has(v)).map((v) => `docs/sandbox.md: ${v}`);
    expect([...stale, ...staleSandbox]).toEqual([]);
  });

  it("the `npm run dev` launcher's own variables are the ones scripts/dev.mjs reads", () => {
    const launcher = read('scripts/dev.mjs');
    const documentedLauncher = tableNames(configurationDoc, 'launcher variable');
    const readDev = [...new Set([...launcher.matchAll(/\benv\.(DEV_[A-Z0-9_]+)/g)].map((m) => m[1]))];
    expect(documentedLauncher.sort()).toEqual(readDev.sort());
  });
});

describe('githubSlug', () => {
  it.each([
    ['Resilience policy (cockatiel)', 'resilience-policy-cockatiel'],
    ['Outbound events (transactional outbox → RabbitMQ)', 'outbound-events-transactional-outbox--rabbitmq'],
    ['Alerts (`metrics.prometheusRule.enabled`)', 'alerts-metricsprometheusruleenabled'],
    ['EXTERNAL_PAYMENTS_OWNER', 'external_payments_owner'],
    ['Go-live checklist, by construction or by command', 'go-live-checklist-by-construction-or-by-command'],
    ["Choices where Wompi's documentation is uncertain", 'choices-where-wompis-documentation-is-uncertain'],
  ])('%s → %s', (heading, slug) => expect(githubSlug(heading)).toBe(slug));

  it('numbers repeated headings', () => {
    expect([...anchorsOf('# A\n## Tests\n```\n# not a heading\n```\n### Tests\n')]).toEqual(['a', 'tests', 'tests-1']);
  });
});
