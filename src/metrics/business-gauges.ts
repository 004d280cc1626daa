import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics } from './metrics';
import { methodLabel } from './payment-metrics';

/** How often the worker refreshes the database-backed gauges (a scrape reads the last values). */
export const BUSINESS_GAUGES_EVERY_MS = 15_000;

/** Inbox statuses counted by `webhook_inbox_rows`: the open ones and DEAD (settled rows grow without bound). */
export const COUNTED_INBOX_STATUSES = ['RECEIVED', 'FAILED', 'UNCONFIRMED', 'DEAD'] as const;

// both read the (status, created_at|received_at) indexes; PENDING and open inbox rows are few
const OLDEST_PENDING_SQL = `
  select payment_method_type as method, extract(epoch from now() - min(created_at))::float8 as age
    from payments where status = 'PENDING' group by payment_method_type`;
const INBOX_ROWS_SQL = `
  select status, count(*)::int as n from webhook_inbox where status = any($1::text[]) group by status`;

/**
 * Worker role: `payments_oldest_pending_age_seconds{method}` and `webhook_inbox_rows{status}`,
 * read from Postgres every BUSINESS_GAUGES_EVERY_MS (two indexed aggregates) rather than per
 * scrape. A failed read leaves the last values and says so once.
 */
@Injectable()
export class BusinessGauges implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), BUSINESS_GAUGES_EVERY_MS);
    this.timer.unref();
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  tick(): Promise<void> {
    this.running ??= this.refresh()
      .then(() => {
        this.failing = false;
      })
      .catch((err: Error) => {
        if (!this.failing)
          this.logger.warn(
            { error: err.message },
            'business gauges not refreshed (database?); keeping the last values',
          );
        this.failing = true;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async refresh(): Promise<void> {
    const pending = (await this.dataSource.query(OLDEST_PENDING_SQL)) as { method: string | null; age: number }[];
    const inbox = (await this.dataSource.query(INBOX_ROWS_SQL, [COUNTED_INBOX_STATUSES])) as {
      status: string;
      n: number;
    }[];
    // raw method types outside the enum fold into OTHER: keep the oldest
    const byMethod = new Map<string, number>();
    for (const r of pending) {
      const m = methodLabel(r.method);
      byMethod.set(m, Math.max(byMethod.get(m) ?? 0, Number(r.age)));
    }
    this.metrics.oldestPending.reset();
    for (const [method, age] of byMethod) this.metrics.oldestPending.set({ method }, age);
    for (const status of COUNTED_INBOX_STATUSES)
      this.metrics.inboxRows.set({ status }, inbox.find((r) => r.status === status)?.n ?? 0);
  }
}
