/* Turns the service's OpenAPI document into the client's types (src/schema.ts). One function,
 * used by `npm run client:generate` and by the drift test (test/client/client-drift.spec.ts),
 * so both produce the same text byte for byte. */
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

export const SCHEMA_HEADER = `/**
 * GENERATED from the payments service's OpenAPI document (/docs-json) by openapi-typescript.
 * Do not edit by hand: change the controllers' decorators, then run \`npm run client:generate\`
 * at the repository root (test/client/client-drift.spec.ts fails while this file is stale).
 */

`;

export async function renderSchema(document: object): Promise<string> {
  const ast = await openapiTS(document as OpenAPI3, { silent: true });
  return SCHEMA_HEADER + astToString(ast);
}

/**
 * As a program: reads a JSON array of OpenAPI documents on stdin, writes the JSON array of
 * their schema.ts texts on stdout. (The drift test runs it so: openapi-typescript loads ES
 * modules that Jest's module loader cannot require.)
 */
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const documents = JSON.parse(Buffer.concat(chunks).toString('utf8')) as object[];
  const rendered: string[] = [];
  for (const document of documents) rendered.push(await renderSchema(document));
  process.stdout.write(JSON.stringify(rendered));
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
