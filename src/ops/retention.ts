import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { minimiseRawBody } from './event-minimiser';

const EVERY_MS = 10 * 60_000;
const BATCH = 1000;
const SCRUB_BATCH = 200;

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
 * Before that, settled inbox rows (PROCESSED/IGNORED/DEAD) lose their buyer data after
 * RETENTION_INBOX_SCRUB_HOURS: raw body and payload keep only what audit, a replay and the
 * checksum need (event-minimiser.ts).
 */
@Injectable()
export class RetentionPurger implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<Record<string, number>>;
  private readonly rules: Rule[];
  private readonly scrubHours: number;

  constructor(
    private readonly db: DataSource,
    config: AppConfig,
  ) {
    this.scrubHours = config.retention.inboxScrubHours;
    this.rules = [
      {
        name: 'outbox_sent',
        days: config.retention.outboxSentDays,
        sql: `delete from outbox where id in (select id from outbox where status in ('SENT','SUPERSEDED') and coalesce(sent_at, created_at) < now() - make_interval(days => $1) order by id limit $2)`,
      },
      {
        name: 'inbox_settled',
        days: config.retention.inboxSettledDays,
        sql: `delete from webhook_inbox where id in (select id from webhook_inbox where status in ('PROCESSED','IGNORED') and coalesce(processed_at, last_received_at) < now() - make_interval(days => $1) limit $2)`,
      },
    ].filter((r) => r.days > 0);
  }

  onApplicationBootstrap(): void {
    if (this.rules.length === 0 && this.scrubHours === 0) return;
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
      if (this.scrubHours > 0) deleted.inbox_scrubbed = await this.scrubInbox(maxBatches);
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

  /** Minimises settled inbox rows older than the scrub horizon; returns how many. */
  private async scrubInbox(maxBatches: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.db.transaction(async (m) => {
        // skip locked: a row being replayed or re-processed right now is left for the next round
        const rows = (await m.query(
          `select id, raw_body from webhook_inbox
            where scrubbed_at is null and status in ('PROCESSED','IGNORED','DEAD')
              and coalesce(processed_at, last_received_at) < now() - make_interval(hours => $1)
            order by id limit $2 for update skip locked`,
          [this.scrubHours, SCRUB_BATCH],
        )) as { id: string; raw_body: string }[];
        if (rows.length === 0) return 0;
        await m.query(
          `update webhook_inbox w set raw_body = v.body, payload = v.body::jsonb, scrubbed_at = now()
             from unnest($1::uuid[], $2::text[]) as v(id, body) where w.id = v.id`,
          [rows.map((r) => r.id), rows.map((r) => minimiseRawBody(r.raw_body))],
        );
        return rows.length;
      });
      total += n;
      if (n < SCRUB_BATCH) break;
    }
    return total;
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
