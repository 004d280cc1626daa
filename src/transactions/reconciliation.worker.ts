import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, StalePollConfig } from '../config/app-config';
import { JobQueue, QUEUES, QueueJob } from '../queue/job-queue.port';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { PaymentStateService } from './payment-state.service';
import { paced } from './poll-pacer';
import { PaymentResolver, RESOLVE_JOB, ResolveJobData } from './usecases/resolve-payment';

/** a PENDING payment with a Wompi id not updated for this long is asked about */
export const STALE_PENDING_AFTER_MS = 60_000;
/** an intent without a Wompi id older than this has lost its request (crash): resolve it */
export const ORPHAN_INTENT_AFTER_MS = 2 * 60_000;
export const ORPHAN_BATCH = 50;
/** a payment Wompi still shows PENDING is asked again after 30 s, 1 min, 2 min … at most every 30 min */
export const POLL_BACKOFF_BASE_S = 30;
export const POLL_BACKOFF_MAX_S = 30 * 60;

/**
 * Claims due stale payments in one short statement (its own transaction): rows another worker
 * holds are skipped (SKIP LOCKED), and stamping `next_poll_at` is both the claim (no other
 * worker sees the row until then) and the payment's back-off. Wompi is called after it commits.
 */
const CLAIM_SQL = `
  with due as (
    select id from payments
     where status = 'PENDING' and wompi_transaction_id is not null
       and updated_at < $1 and coalesce(next_poll_at, updated_at) <= $2
     order by coalesce(next_poll_at, updated_at)
     limit $3
     for update skip locked)
  update payments p
     set next_poll_at = $2::timestamptz + make_interval(secs => least($4::float8 * power(2, p.poll_attempts), $5::float8)),
         poll_attempts = p.poll_attempts + 1
    from due where p.id = due.id
  returning p.id, p.wompi_transaction_id`;

class NotYetAtWompi extends Error {
  constructor() {
    super('no Wompi transaction carries the reference yet');
    this.name = 'NotYetAtWompi';
  }
}

/**
 * Worker role: resolves ambiguous creates (queue `reconciliation`, job `resolve-payment`) and
 * polls Wompi for payments whose webhook has not come (stale PENDING), plus intents whose
 * request died (the safety net when the resolve job could not be queued).
 */
@Injectable()
export class ReconciliationWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Reconciliation');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly pace: StalePollConfig;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly resolver: PaymentResolver,
    config: AppConfig,
  ) {
    this.pace = config.stalePoll;
  }

  onApplicationBootstrap(): void {
    this.queue.process<ResolveJobData>(QUEUES.RECONCILIATION, RESOLVE_JOB, (job) => this.handleResolve(job), 4);
    this.schedule(this.pace.everyMs);
  }

  /** First step of a shutdown: no new round; the one in flight finishes while the connections are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  /** One queued resolution: throws (→ retry with backoff) until Wompi shows the reference or we give up. */
  async handleResolve(job: QueueJob<ResolveJobData>): Promise<void> {
    const last = job.attemptsMade + 1 >= job.attempts;
    const outcome = await this.resolver.resolveOnce(job.data.paymentId, { giveUp: last });
    this.logger.log({ payment_id: job.data.paymentId, attempt: job.attemptsMade + 1, outcome }, 'resolve-payment job');
    if (outcome === 'not_found') throw new NotYetAtWompi();
  }

  /** A round; a full batch means a backlog, so the next round starts at once. */
  private tick(): void {
    let full = false;
    this.running = this.pollOnce()
      .then((r) => void (full = r.polled >= this.pace.batch))
      .catch((err: unknown) => this.logger.error({ err }, 'stale payment poll failed'))
      .finally(() => {
        this.running = undefined;
        this.schedule(full ? 0 : this.pace.everyMs);
      });
  }

  /** One bounded round: stale PENDING payments, then orphaned intents. Returns counts (tests). */
  async pollOnce(now = new Date()): Promise<{ polled: number; resolved: number }> {
    const polled = await this.pollStalePending(now);
    const resolved = await this.resolveOrphans(now);
    return { polled, resolved };
  }

  private async pollStalePending(now: Date): Promise<number> {
    const claimed: { id: string; wompi_transaction_id: string }[] = await this.dataSource.query(CLAIM_SQL, [
      new Date(now.getTime() - STALE_PENDING_AFTER_MS),
      now,
      this.pace.batch,
      POLL_BACKOFF_BASE_S,
      POLL_BACKOFF_MAX_S,
    ]);
    // an UPDATE … FROM answers with [rows, count]
    const rows = Array.isArray(claimed[0]) ? (claimed[0] as unknown as typeof claimed) : claimed;
    await paced(rows, this.pace, async (p) => {
      try {
        const tx = await this.gateway.getTransaction(p.wompi_transaction_id);
        const r = await this.state.apply(tx, 'poll', { paymentId: p.id });
        if (r.outcome === 'changed') this.logger.log({ payment_id: p.id, wompi_transaction_id: tx.id, to: r.to }, 'stale payment moved by poll');
      } catch (err) {
        this.logger.warn({ payment_id: p.id, error: (err as Error)?.message }, 'poll of a stale payment failed');
      }
    });
    return rows.length;
  }

  private async resolveOrphans(now: Date): Promise<number> {
    const orphans: { id: string }[] = await this.dataSource.query(
      `select p.id from payments p
        where p.status in ('UNKNOWN', 'PENDING') and p.wompi_transaction_id is null and p.kind = 'TRANSACTION' and p.created_at < $1
          and not exists (select 1 from payment_attempts a where a.payment_id = p.id and a.wompi_transaction_id is not null)
        order by p.created_at asc limit $2`,
      [new Date(now.getTime() - ORPHAN_INTENT_AFTER_MS), ORPHAN_BATCH],
    );
    let resolved = 0;
    for (const o of orphans) {
      try {
        const r = await this.resolver.resolveOnce(o.id, { now });
        if (r === 'resolved' || r === 'gave_up') resolved++;
      } catch (err) {
        this.logger.warn({ payment_id: o.id, error: (err as Error)?.message }, 'resolving an orphaned intent failed');
      }
    }
    return resolved;
  }
}
