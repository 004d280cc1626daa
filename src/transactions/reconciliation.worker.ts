import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobQueue, QUEUES, QueueJob } from '../queue/job-queue.port';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { PaymentEntity } from './entities/payment.entity';
import { PaymentStateService } from './payment-state.service';
import { PaymentResolver, RESOLVE_JOB, ResolveJobData } from './usecases/resolve-payment';

/** Poll cadence and bounds of the stale-payment poller. */
export const POLL_EVERY_MS = 30_000;
/** a PENDING payment with a Wompi id not updated for this long is asked about */
export const STALE_PENDING_AFTER_MS = 60_000;
/** an intent without a Wompi id older than this has lost its request (crash): resolve it */
export const ORPHAN_INTENT_AFTER_MS = 2 * 60_000;
export const POLL_BATCH = 50;

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
  /** round-robin position over stale PENDING payments, so a long tail cannot starve the rest */
  private after?: { createdAt: Date; id: string };

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly resolver: PaymentResolver,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.process<ResolveJobData>(QUEUES.RECONCILIATION, RESOLVE_JOB, (job) => this.handleResolve(job), 4);
    this.timer = setInterval(() => void this.tick(), POLL_EVERY_MS);
    this.timer.unref();
  }

  /** First step of a shutdown: no new round; the one in flight finishes while the connections are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One queued resolution: throws (→ retry with backoff) until Wompi shows the reference or we give up. */
  async handleResolve(job: QueueJob<ResolveJobData>): Promise<void> {
    const last = job.attemptsMade + 1 >= job.attempts;
    const outcome = await this.resolver.resolveOnce(job.data.paymentId, { giveUp: last });
    this.logger.log({ payment_id: job.data.paymentId, attempt: job.attemptsMade + 1, outcome }, 'resolve-payment job');
    if (outcome === 'not_found') throw new NotYetAtWompi();
  }

  private tick(): void {
    if (this.running) return; // the previous round is still going
    this.running = this.pollOnce()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err }, 'stale payment poll failed'))
      .finally(() => (this.running = undefined));
  }

  /** One bounded round: stale PENDING payments, then orphaned intents. Returns counts (tests). */
  async pollOnce(now = new Date()): Promise<{ polled: number; resolved: number }> {
    const polled = await this.pollStalePending(now);
    const resolved = await this.resolveOrphans(now);
    return { polled, resolved };
  }

  private async pollStalePending(now: Date): Promise<number> {
    const qb = this.dataSource
      .getRepository(PaymentEntity)
      .createQueryBuilder('p')
      .where(`p.status = 'PENDING'`)
      .andWhere('p.wompi_transaction_id is not null')
      .andWhere('p.updated_at < :before', { before: new Date(now.getTime() - STALE_PENDING_AFTER_MS) });
    if (this.after) qb.andWhere('(p.created_at, p.id) > (:ac, :ai)', { ac: this.after.createdAt, ai: this.after.id });
    const batch = await qb.orderBy('p.created_at', 'ASC').addOrderBy('p.id', 'ASC').limit(POLL_BATCH).getMany();
    this.after = batch.length === POLL_BATCH ? { createdAt: batch[batch.length - 1].createdAt, id: batch[batch.length - 1].id } : undefined;
    for (const p of batch) {
      try {
        const tx = await this.gateway.getTransaction(p.wompiTransactionId!);
        const r = await this.state.apply(tx, 'poll', { paymentId: p.id });
        if (r.outcome === 'changed') this.logger.log({ payment_id: p.id, wompi_transaction_id: tx.id, to: r.to }, 'stale payment moved by poll');
      } catch (err) {
        this.logger.warn({ payment_id: p.id, error: (err as Error)?.message }, 'poll of a stale payment failed');
      }
    }
    return batch.length;
  }

  private async resolveOrphans(now: Date): Promise<number> {
    const orphans: { id: string }[] = await this.dataSource.query(
      `select p.id from payments p
        where p.status in ('UNKNOWN', 'PENDING') and p.wompi_transaction_id is null and p.kind = 'TRANSACTION' and p.created_at < $1
          and not exists (select 1 from payment_attempts a where a.payment_id = p.id and a.wompi_transaction_id is not null)
        order by p.created_at asc limit $2`,
      [new Date(now.getTime() - ORPHAN_INTENT_AFTER_MS), POLL_BATCH],
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
