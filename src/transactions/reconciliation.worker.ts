import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, HorizonsConfig, StalePollConfig } from '../config/app-config';
import { ANY_METHOD } from '../config/horizons-config';
import { WompiTransaction } from '../wompi/wompi.types';
import { PaymentEntity } from './entities/payment.entity';
import { JobQueue, QUEUES, QueueJob } from '../queue/job-queue.port';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { PaymentStateService } from './payment-state.service';
import { paced } from './poll-pacer';
import { CheckoutSessionExpiry } from './session-expiry';
import { PaymentResolver, RESOLVE_JOB, ResolveJobData } from './usecases/resolve-payment';

/** an intent without a Wompi id older than this has lost its request (crash): resolve it */
export const ORPHAN_INTENT_AFTER_MS = 2 * 60_000;
export const ORPHAN_BATCH = 50;
/** a payment Wompi still shows PENDING is asked again after 30 s, 1 min, 2 min … at most every PENDING_POLL_MAX_INTERVALS of its method */
export const POLL_BACKOFF_BASE_S = 30;

/**
 * Claims due stale payments in one short statement (its own transaction): rows another worker
 * holds are skipped (SKIP LOCKED), and stamping `next_poll_at` is both the claim (no other
 * worker sees the row until then) and the payment's back-off. Wompi is called after it commits.
 * Per payment method: the back-off's ceiling, and the horizon (created_at + PENDING_HORIZONS)
 * the next poll never overshoots, so the last read lands on it; a payment claimed past its
 * horizon comes back `past_horizon` (its read decides: still PENDING → EXPIRED).
 */
const CLAIM_SQL = `
  with policy as (
    select * from unnest($5::text[], $6::float8[], $7::float8[]) as m(method, max_s, horizon_s)),
  due as (
    select p.id, coalesce(pm.max_s, $8::float8) as max_s, coalesce(pm.horizon_s, $9::float8) as horizon_s
      from payments p left join policy pm on pm.method = p.payment_method_type
     where p.status = 'PENDING' and p.wompi_transaction_id is not null
       and p.updated_at < $1 and coalesce(p.next_poll_at, p.updated_at) <= $2
     order by coalesce(p.next_poll_at, p.updated_at)
     limit $3
     for update of p skip locked)
  update payments p
     set next_poll_at = case
           when p.created_at + make_interval(secs => due.horizon_s) <= $2::timestamptz
             then $2::timestamptz + make_interval(secs => least($4::float8 * power(2, p.poll_attempts), due.max_s))
           else least($2::timestamptz + make_interval(secs => least($4::float8 * power(2, p.poll_attempts), due.max_s)),
                      greatest(p.created_at + make_interval(secs => due.horizon_s), $2::timestamptz + interval '1 second'))
         end,
         poll_attempts = p.poll_attempts + 1
    from due where p.id = due.id
  returning p.id, p.wompi_transaction_id, p.payment_method_type, due.horizon_s,
            (p.created_at + make_interval(secs => due.horizon_s) <= $2::timestamptz) as past_horizon`;

interface ClaimedPayment {
  id: string;
  wompi_transaction_id: string;
  payment_method_type: string | null;
  horizon_s: number;
  past_horizon: boolean;
}

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
  private readonly horizons: HorizonsConfig;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly resolver: PaymentResolver,
    private readonly sessions: CheckoutSessionExpiry,
    config: AppConfig,
  ) {
    this.pace = config.stalePoll;
    this.horizons = config.horizons;
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

  /** One bounded round: stale PENDING payments, orphaned intents, unpaid checkout sessions past their end. Returns counts (tests). */
  async pollOnce(now = new Date()): Promise<{ polled: number; resolved: number; sessionsExpired: number }> {
    const polled = await this.pollStalePending(now);
    const resolved = await this.resolveOrphans(now);
    const sessionsExpired = await this.sessions.expireDue(now);
    return { polled, resolved, sessionsExpired };
  }

  private async pollStalePending(now: Date): Promise<number> {
    const { pendingHorizonsS: horizons, pollMaxIntervalsS: maxes } = this.horizons;
    const methods = [...new Set([...Object.keys(horizons), ...Object.keys(maxes)])].filter((k) => k !== ANY_METHOD);
    const claimed: ClaimedPayment[] = await this.dataSource.query(CLAIM_SQL, [
      new Date(now.getTime() - this.pace.afterMs),
      now,
      this.pace.batch,
      POLL_BACKOFF_BASE_S,
      methods,
      methods.map((k) => maxes[k] ?? maxes[ANY_METHOD]),
      methods.map((k) => horizons[k] ?? horizons[ANY_METHOD]),
      maxes[ANY_METHOD],
      horizons[ANY_METHOD],
    ]);
    // an UPDATE … FROM answers with [rows, count]
    const rows = Array.isArray(claimed[0]) ? (claimed[0] as unknown as typeof claimed) : claimed;
    await paced(rows, this.pace, async (p) => {
      try {
        const tx = await this.gateway.getTransaction(p.wompi_transaction_id);
        const r = await this.state.apply(tx, 'poll', { paymentId: p.id });
        if (r.outcome === 'changed')
          this.logger.log({ payment_id: p.id, wompi_transaction_id: tx.id, to: r.to }, 'stale payment moved by poll');
        if (p.past_horizon && tx.status === 'PENDING') await this.giveUp(p, tx);
      } catch (err) {
        this.logger.warn({ payment_id: p.id, error: (err as Error)?.message }, 'poll of a stale payment failed');
      }
    });
    return rows.length;
  }

  /** The last read past the method's horizon still says PENDING: our own terminal EXPIRED, with transaction.expired. */
  private async giveUp(p: ClaimedPayment, tx: WompiTransaction): Promise<void> {
    const horizonS = Number(p.horizon_s);
    const ids = await this.dataSource.transaction(async (m) => {
      const payment = await m
        .getRepository(PaymentEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :id', { id: p.id })
        .getOne();
      if (!payment || payment.status !== 'PENDING') return [];
      const message = `still PENDING at Wompi ${horizonS} s after creation (${p.payment_method_type ?? 'payment'} horizon): given up`;
      return this.state.recordExpiry(m, payment, 'poll', message, {
        wompi_transaction_id: tx.id,
        wompi_status: tx.status,
        horizon_s: horizonS,
      });
    });
    if (ids.length)
      this.logger.warn(
        {
          payment_id: p.id,
          wompi_transaction_id: tx.id,
          payment_method_type: p.payment_method_type,
          horizon_s: horizonS,
        },
        'payment still PENDING at Wompi past its horizon: EXPIRED (transaction.expired); a later approval is still applied',
      );
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
