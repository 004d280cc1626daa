import { Injectable, Logger } from '@nestjs/common';
import { DataSource, Not, IsNull } from 'typeorm';
import { JobQueue, QUEUES, RETRY_POLICIES } from '../../queue/job-queue.port';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { WompiTransaction } from '../../wompi/wompi.types';
import { PaymentAttemptEntity } from '../entities/payment-attempt.entity';
import { PaymentEntity } from '../entities/payment.entity';
import { PaymentStateService } from '../payment-state.service';

export const RESOLVE_JOB = 'resolve-payment';
export interface ResolveJobData {
  paymentId: string;
}

/** How long a create may stay invisible at Wompi before we conclude it never happened. */
export const NEVER_CREATED_AFTER_MS = 10 * 60_000;
/** First look of the queued resolution (the immediate one happens in the request). */
export const RESOLVE_FIRST_DELAY_MS = 5_000;
export const NEVER_CREATED_MESSAGE =
  'Wompi never created this transaction (the create request was not answered and no transaction carries the reference)';

export type Resolution = 'resolved' | 'not_found' | 'gave_up' | 'gone';

/**
 * Resolves a payment whose create Wompi may or may not have performed (status UNKNOWN, or an
 * intent without a Wompi id): asks Wompi what carries our reference — never re-posts — and
 * applies every transaction found, oldest first. When nothing shows up within
 * NEVER_CREATED_AFTER_MS the payment is ERROR with a message saying so.
 */
@Injectable()
export class PaymentResolver {
  private readonly logger = new Logger('PaymentResolver');

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly queue: JobQueue,
  ) {}

  /** True while no attempt of the payment carries a Wompi id. */
  async isUnresolved(paymentId: string): Promise<boolean> {
    const known = await this.dataSource
      .getRepository(PaymentAttemptEntity)
      .count({ where: { paymentId, wompiTransactionId: Not(IsNull()) } });
    return known === 0;
  }

  /** Search once and apply what is found. `giveUp`: when nothing is found, conclude ERROR now. */
  async resolveOnce(paymentId: string, opts: { giveUp?: boolean; now?: Date } = {}): Promise<Resolution> {
    const payment = await this.dataSource.getRepository(PaymentEntity).findOne({ where: { id: paymentId } });
    if (!payment) return 'gone';
    if (!(await this.isUnresolved(paymentId))) return 'resolved';
    const found = await this.gateway.findTransactionsByReference(payment.wompiReference);
    if (found.length > 0) {
      await this.applyAll(paymentId, found);
      return 'resolved';
    }
    const age = (opts.now ?? new Date()).getTime() - new Date(payment.createdAt).getTime();
    if (!opts.giveUp && age < NEVER_CREATED_AFTER_MS) return 'not_found';
    await this.markNeverCreated(paymentId);
    return 'gave_up';
  }

  async applyAll(paymentId: string, transactions: WompiTransaction[]): Promise<void> {
    const oldestFirst = [...transactions].sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    for (const tx of oldestFirst) {
      const r = await this.state.apply(tx, 'reconciliation', { paymentId });
      this.logger.log(
        { payment_id: paymentId, wompi_transaction_id: tx.id, outcome: r.outcome, to: r.to },
        'ambiguous create resolved by reference',
      );
    }
  }

  /** Queue the resolution (deduplicated by payment). A queue outage is logged; the poller is the safety net. */
  async schedule(paymentId: string, delayMs = RESOLVE_FIRST_DELAY_MS): Promise<void> {
    try {
      await this.queue.enqueue<ResolveJobData>(
        QUEUES.RECONCILIATION,
        RESOLVE_JOB,
        { paymentId },
        { jobId: `resolve:${paymentId}`, delayMs, ...RETRY_POLICIES.reconciliation },
      );
    } catch (err) {
      this.logger.error(
        { payment_id: paymentId, err },
        'could not queue the resolution of an ambiguous create; the stale-payment poller will pick it up',
      );
    }
  }

  private async markNeverCreated(paymentId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const payment = await m
        .getRepository(PaymentEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :id', { id: paymentId })
        .getOne();
      if (!payment) return;
      const known = await m
        .getRepository(PaymentAttemptEntity)
        .count({ where: { paymentId, wompiTransactionId: Not(IsNull()) } });
      if (known > 0) return; // a report landed meanwhile
      await this.state.recordFinalWithoutReport(m, payment, 'ERROR', 'reconciliation', NEVER_CREATED_MESSAGE, {
        reason: 'never_created',
      });
    });
    this.logger.warn(
      { payment_id: paymentId },
      'no Wompi transaction carries the reference of an ambiguous create; marked ERROR',
    );
  }
}
