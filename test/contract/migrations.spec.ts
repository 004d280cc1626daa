/* Service contract, Commands: `npm run migration:generate <path>` diffs the entities against a database
 * the migrations built. On an up-to-date schema it must find nothing; otherwise the first
 * migration anyone generates would drop our named unique keys (which ON CONFLICT relies on),
 * check constraints, foreign keys and indexes. */
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { createTestDatabase, TestDatabase } from '../support/database';

describe('contract: migrations and entities agree', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(); // cloned from the template built by the real migrations
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('has no pending migration and migration:generate would find no change', async () => {
    expect(await ds.showMigrations()).toBe(false);
    const sql = await ds.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });
});
