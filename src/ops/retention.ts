import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

const EVERY_MS = 10 * 60_000;
const BATCH = 1000;

interface Rule {
  name: string;
  days: number;
  /** deletes at most $2 rows older than $1 days; returns them */
  sql: string;
}

/**
 * Keeps the hot tables small (worker role): SENT outbox rows and settled inbox rows are
 * deleted after their retention, in small batches so no long lock is held. What is never
 * deleted here: payments, attempts, history, anomalies, consents and fulfilments (the
 * record), pending/dead outbox rows and unsettled inbox rows (work still to do).
 */
@Injectable()
export class RetentionPurger implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<Record<string, number>>;
  private readonly rules: Rule[];

  constructor(private readonly db: DataSource, config: AppConfig) {
    this.rules = [
      {
        name: 'outbox_sent',
        days: config.retention.outboxSentDays,
        sql: `delete from outbox where id in (select id from outbox where status = 'SENT' and sent_at < now() - make_interval(days => $1) order by id limit $2)`,
      },
      {
        name: 'inbox_settled',
        days: config.retention.inboxSettledDays,
        sql: `delete from webhook_inbox where id in (select id from webhook_inbox where status in ('PROCESSED','IGNORED') and coalesce(processed_at, last_received_at) < now() - make_interval(days => $1) limit $2)`,
      },
    ].filter((r) => r.days > 0);
  }

  onApplicationBootstrap(): void {
    if (this.rules.length === 0) return;
    this.timer = setInterval(() => void this.tick(), EVERY_MS);
    this.timer.unref();
  }

  /** First step of a shutdown: no new round; the one in flight finishes while the connections are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every rule; returns rows deleted per rule. */
  purge(maxBatches = 50): Promise<Record<string, number>> {
    if (this.running) return this.running;
    this.running = (async () => {
      const deleted: Record<string, number> = {};
      for (const rule of this.rules) {
        deleted[rule.name] = 0;
        for (let i = 0; i < maxBatches; i++) {
          const [, count] = (await this.db.query(rule.sql, [rule.days, BATCH])) as [unknown, number];
          deleted[rule.name] += count;
          if (count < BATCH) break;
        }
      }
      return deleted;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tick(): Promise<void> {
    try {
      const deleted = await this.purge();
      if (Object.values(deleted).some((n) => n > 0)) this.logger.log({ deleted }, 'retention purge');
    } catch (err) {
      this.logger.warn({ err }, 'retention purge failed; will retry');
    }
  }
}
