import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { join } from 'node:path';

/**
 * TypeORM options shared by the service and the migration CLI. Entities are discovered by
 * file name; migrations live in /migrations and are the only way the schema changes.
 */
export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  const root = join(__dirname, '..', '..');
  return {
    type: 'postgres',
    url,
    entities: [join(root, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(root, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { connectionTimeoutMillis: 5000, statement_timeout: 15000 },
    ...extra,
  } as DataSourceOptions;
}

// The CLI entry (`npm run migration:*`) reads DATABASE_URL here, at the edge; the service
// itself builds its options from AppConfig.
// eslint-disable-next-line no-restricted-syntax
const cliUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/payments';
export default new DataSource(dataSourceOptions(cliUrl));
