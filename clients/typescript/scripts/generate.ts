/* `npm run client:generate`: builds the service's OpenAPI document from the Nest application
 * created in preview mode (controllers and their decorators, no provider is instantiated, so
 * no Postgres, Redis, AMQP or Wompi is needed), writes it to clients/typescript/openapi.json
 * and its types to clients/typescript/src/schema.ts. */
import { NestFactory } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../../../src/app.module';
import { createOpenApiDocument } from '../../../src/common/http/openapi';
import { loadConfig } from '../../../src/config/load-config';
import { renderSchema } from './render-schema';

/** A config that validates; nothing is connected to in preview mode. */
const PREVIEW_ENV = {
  NODE_ENV: 'development',
  ROLE: 'api',
  DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
  REDIS_URL: 'redis://127.0.0.1:1',
  AMQP_URL: 'amqp://127.0.0.1:1',
  WOMPI_BASE_URL: 'http://127.0.0.1:1/v1',
  WOMPI_PUBLIC_KEY: 'pub_test_openapi',
  WOMPI_PRIVATE_KEY: 'prv_test_openapi',
  WOMPI_INTEGRITY_SECRET: 'test_integrity_openapi',
  WOMPI_EVENTS_SECRET: 'test_events_openapi',
  INTERNAL_API_KEYS: 'openapi:openapi-generator-key',
};

export async function buildOpenApiDocument(): Promise<object> {
  const app = await NestFactory.create(AppModule.forRoot(loadConfig(PREVIEW_ENV)), { preview: true, logger: false });
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const document = await buildOpenApiDocument();
  writeFileSync(join(root, 'openapi.json'), JSON.stringify(document, null, 2) + '\n');
  writeFileSync(join(root, 'src', 'schema.ts'), await renderSchema(document));
  process.stdout.write(`wrote ${join(root, 'openapi.json')} and ${join(root, 'src', 'schema.ts')}\n`);
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
