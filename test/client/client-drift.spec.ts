/* The committed client (clients/typescript: src/schema.ts and openapi.json) is what the running
 * service documents: /docs-json of an app started like every integration suite is turned into
 * types with the same function `npm run client:generate` uses, and must equal the committed
 * file byte for byte. Stale? Run `npm run client:generate` and commit the result. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CLIENT = join(__dirname, '..', '..', 'clients', 'typescript');
const STALE = 'stale: run `npm run client:generate` and commit clients/typescript';

/**
 * The schema.ts texts of `documents`, by clients/typescript/scripts/render-schema.ts (the
 * function `npm run client:generate` uses) in a child process: openapi-typescript loads ES
 * modules that Jest's module loader cannot require. Nothing is written to disk.
 */
function renderSchemas(documents: Json[]): Promise<string[]> {
  const tsNode = require.resolve('ts-node/dist/bin.js');
  const script = join(CLIENT, 'scripts', 'render-schema.ts');
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [tsNode, '--transpile-only', '--project', join(CLIENT, '..', '..', 'tsconfig.json'), script],
      { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
    child.stdin!.end(JSON.stringify(documents));
  });
}

/** The first differing line, to say where the committed file is stale. */
function firstDifference(a: string, b: string): string | undefined {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if (x[i] !== y[i]) return `line ${i + 1}: committed ${JSON.stringify(x[i])} ≠ served ${JSON.stringify(y[i])}`;
  return undefined;
}

describe('client: the committed TypeScript client matches /docs-json', () => {
  let t: TestApp;
  let served: Json;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    const res = await fetch(`${t.url}/docs-json`);
    expect(res.status).toBe(200);
    served = (await res.json()) as Json;
  });
  afterAll(async () => t?.close());

  it('src/schema.ts is the types of the served document', async () => {
    const committed = readFileSync(join(CLIENT, 'src', 'schema.ts'), 'utf8');
    const [generated] = await renderSchemas([served]);
    expect([STALE, firstDifference(committed, generated)]).toEqual([STALE, undefined]);
    expect(generated).toBe(committed);
  });

  it('openapi.json is the served document', () => {
    const committed = JSON.parse(readFileSync(join(CLIENT, 'openapi.json'), 'utf8')) as Json;
    expect(committed).toEqual(served);
  });

  it('fails when the document changes: a new field, a new answer, a removed route', async () => {
    const committed = readFileSync(join(CLIENT, 'src', 'schema.ts'), 'utf8');
    const field = structuredClone(served);
    field.components.schemas.TransactionResponse.properties.surprise = { type: 'string' };
    const answer = structuredClone(served);
    answer.paths['/v1/transactions/{id}'].get.responses['418'] = { description: 'a teapot' };
    const route = structuredClone(served);
    delete route.paths['/v1/acceptance'];
    const rendered = await renderSchemas([field, answer, route]);
    expect(rendered).toHaveLength(3);
    for (const generated of rendered) {
      expect(generated).not.toBe(committed);
      expect(firstDifference(committed, generated)).toBeDefined();
    }
  });
});
