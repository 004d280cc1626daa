import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

export interface SchemaState {
  /** migrations the code knows that the database has not applied (by name) */
  pending: string[];
}

const UNDEFINED_TABLE = '42P01';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Readiness's view of Postgres: one query that both proves the server answers and reads which
 * migrations are applied. It runs on a connection of its own (a pool of one, outside the
 * TypeORM pool), so a pool saturated by slow requests never reads as "database down" and pulls
 * every pod out of the Service at the worst moment. `DB_HEALTH_CONNECTION=false` (the
 * one-session embedded database of `npm run dev`) shares the TypeORM pool instead.
 */
@Injectable()
export class HealthDatabase implements OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly pool?: Pool;
  private readonly expected: string[];
  private readonly table: string;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    // TypeORM names a migration by its `name` property, else its class name
    this.expected = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    this.table = dataSource.options.migrationsTableName ?? 'migrations';
    if (config.dbHealthConnection) {
      this.pool = new Pool({
        connectionString: config.databaseUrl,
        max: 1,
        // kept open: a probe must not pay a TCP + auth handshake every few seconds
        idleTimeoutMillis: 0,
        connectionTimeoutMillis: 1000,
        query_timeout: 1000,
        statement_timeout: 1000,
        application_name: 'payments-health',
      });
      // an idle connection cut by the server (restart, failover) must not crash the process;
      // the pool drops it and the next probe opens a new one
      this.pool.on('error', (err) =>
        this.logger.warn({ err: err.message }, 'health database connection lost; the next probe reconnects'),
      );
    }
  }

  async check(timeoutMs: number): Promise<SchemaState> {
    const sql = `select name from ${this.quotedTable()}`;
    const run = this.pool
      ? this.pool.query<{ name: string }>(sql).then((r) => r.rows)
      : (this.dataSource.query(sql) as Promise<{ name: string }[]>);
    const rows = await withTimeout(run, timeoutMs, 'database').catch((err: unknown) => {
      // no migrations table yet: nothing is applied (a database the migration Job never ran on)
      if ((err as { code?: unknown })?.code === UNDEFINED_TABLE) return [] as { name: string }[];
      throw err;
    });
    const applied = new Set(rows.map((r) => r.name));
    return { pending: this.expected.filter((n) => !applied.has(n)) };
  }

  private quotedTable(): string {
    return `"${this.table.replace(/"/g, '""')}"`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
  }
}
