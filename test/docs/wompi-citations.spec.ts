/* Code and tests cite docs/wompi.md by heading (`docs/wompi.md#integrity-signature`, further
 * anchors of the same file as `, #events-and-the-checksum`). Every cited anchor must be a heading
 * of docs/wompi.md, so renaming a heading without the citations fails here. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CITATION = /docs\/wompi\.md#([a-z0-9-]+)((?:,\s*#[a-z0-9-]+)*)/g;

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function headings(markdown: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(anchorOf(m[1]));
  }
  return out;
}

/** `file:line: anchor` for every anchor cited in the tracked files that cite docs/wompi.md. */
function citations(): { where: string; anchor: string }[] {
  const files = execFileSync('git', ['grep', '-l', 'docs/wompi.md#'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const found: { where: string; anchor: string }[] = [];
  for (const file of files) {
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(CITATION)) {
          const more = [...m[2].matchAll(/#([a-z0-9-]+)/g)].map((x) => x[1]);
          for (const anchor of [m[1], ...more]) found.push({ where: `${file}:${i + 1}`, anchor });
        }
      });
  }
  return found;
}

describe('citations of docs/wompi.md', () => {
  const anchors = headings(readFileSync(join(ROOT, 'docs', 'wompi.md'), 'utf8'));
  const cited = citations();

  it('the anchor rule matches GitHub for the headings used', () => {
    expect(anchorOf('Nequi, Daviplata and Bancolombia tokens')).toBe('nequi-daviplata-and-bancolombia-tokens');
    expect(anchors.has('uncertain-points-and-our-choices')).toBe(true);
  });

  it('are many (the sweep found them) and every one names a heading of docs/wompi.md', () => {
    expect(cited.length).toBeGreaterThan(50);
    expect(cited.filter((c) => !anchors.has(c.anchor))).toEqual([]);
  });
});
