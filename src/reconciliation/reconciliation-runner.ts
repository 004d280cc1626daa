import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { PaymentAttemptEntity } from '../transactions/entities/payment-attempt.entity';
import { PaymentEntity } from '../transactions/entities/payment.entity';
import { PaymentStateService } from '../transactions/payment-state.service';
import { PaymentStatus } from '../transactions/payment-status';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { GatewayNotFound, GatewayTimeout, GatewayUnavailable } from '../wompi/wompi.errors';
import { WompiTransaction } from '../wompi/wompi.types';
import { compare } from './compare';
import { DiscrepancyKind, ReconciliationDiscrepancyEntity, Resolution } from './reconciliation-discrepancy.entity';
import { ReconciliationRunEntity, RunStatus } from './reconciliation-run.entity';
import { wompiDates } from './run-range';

/** A listing longer than this many pages is refused rather than followed forever. */
export const MAX_PAGES = 10_000;
/** the longest single wait between two tries while Wompi is unavailable */
const MAX_STEP_MS = 60_000;

/** Waiting any longer would exceed RECONCILIATION_MAX_WAIT_MS: the run fails (and alerts) instead. */
export class WompiOutageTooLong extends Error {
  constructor(waitedMs: number) {
    super(
      `Wompi stayed unavailable for ${Math.round(waitedMs / 1000)} s of this run (RECONCILIATION_MAX_WAIT_MS); nothing was concluded from the outage`,
    );
    this.name = 'WompiOutageTooLong';
  }
}

/** The process is shutting down: the run goes back to the queue and resumes elsewhere. */
export class RunInterrupted extends Error {
  constructor() {
    super('interrupted by shutdown');
    this.name = 'RunInterrupted';
  }
}

interface Pass {
  run: ReconciliationRunEntity;
  signal: AbortSignal;
  seen: Set<string>;
  matched: number;
  waitedMs: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunInterrupted());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new RunInterrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Executes one run: pages through Wompi's listing of the range (oldest first), compares every
 * transaction with our books, then asks Wompi directly about each transaction of ours in the
 * range the listing did not show. Heals through the state machine, reports the rest. While
 * Wompi is unavailable (breaker open, 5xx, timeouts) it waits and retries the same request:
 * an outage never becomes a discrepancy. Never holds a database transaction across a Wompi call.
 */
@Injectable()
export class ReconciliationRunner {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  private get runs() {
    return this.dataSource.getRepository(ReconciliationRunEntity);
  }

  async execute(runId: string, signal: AbortSignal): Promise<ReconciliationRunEntity | undefined> {
    const run = await this.runs.findOneBy({ id: runId });
    if (!run || run.status === 'completed' || run.status === 'failed') return run ?? undefined;
    const pass: Pass = { run, signal, seen: new Set(), matched: 0, waitedMs: 0 };
    await this.runs.update(run.id, {
      status: 'running',
      startedAt: run.startedAt ?? new Date(),
      error: null,
      pages: 0,
      wompiTransactions: 0,
      localTransactions: 0,
      matched: 0,
    });
    this.logger.log(
      { run_id: run.id, from: run.fromAt.toISOString(), until: run.untilAt.toISOString(), trigger: run.trigger },
      'reconciliation run started',
    );

    const { fromDate, untilDate } = wompiDates(run.fromAt, run.untilAt);
    const pageSize = this.config.reconciliation.pageSize;
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES)
        throw new Error(`Wompi's listing goes on past ${MAX_PAGES} pages of ${pageSize}; narrow the range`);
      const res = await this.patiently(pass, () =>
        this.gateway.listTransactions({ fromDate, untilDate, page, pageSize }),
      );
      for (const tx of res.data) {
        const created = Date.parse(tx.created_at);
        if (created < run.fromAt.getTime() || created >= run.untilAt.getTime() || pass.seen.has(tx.id)) continue;
        pass.seen.add(tx.id);
        await this.check(pass, tx);
      }
      await this.runs.update(run.id, { pages: page, wompiTransactions: pass.seen.size, matched: pass.matched });
      if (res.data.length < pageSize) break;
    }

    const ours: { id: string }[] = await this.dataSource.query(
      `select wompi_transaction_id as id from payment_attempts where wompi_transaction_id is not null and created_at >= $1 and created_at < $2`,
      [run.fromAt, run.untilAt],
    );
    for (const { id } of ours) {
      if (pass.seen.has(id)) continue;
      // outside the listing's window at Wompi, or absent: only a direct answer tells which
      const tx = await this.patiently(pass, () =>
        this.gateway
          .getTransaction(id)
          .catch((err: unknown) => (err instanceof GatewayNotFound ? null : Promise.reject(err))),
      );
      if (tx) await this.check(pass, tx);
      else await this.missingAtWompi(pass, id);
    }

    const totals: { resolution: Resolution; n: string }[] = await this.dataSource.query(
      `select resolution, count(*) as n from reconciliation_discrepancies where run_id = $1 group by resolution`,
      [run.id],
    );
    const count = (r: Resolution) => Number(totals.find((t) => t.resolution === r)?.n ?? 0);
    await this.runs.update(run.id, {
      status: 'completed',
      finishedAt: new Date(),
      localTransactions: ours.length,
      wompiTransactions: pass.seen.size,
      matched: pass.matched,
      healed: count('healed'),
      discrepancies: count('reported'),
      waitedMs: run.waitedMs + pass.waitedMs,
    });
    this.metrics.reconciliationRuns.inc({ trigger: run.trigger, outcome: 'completed' });
    const done = await this.runs.findOneByOrFail({ id: run.id });
    this.logger.log(
      {
        run_id: run.id,
        wompi: done.wompiTransactions,
        local: done.localTransactions,
        matched: done.matched,
        healed: done.healed,
        discrepancies: done.discrepancies,
        waited_ms: done.waitedMs,
      },
      'reconciliation run completed',
    );
    return done;
  }

  /** The run ends without a conclusion (its discrepancies so far are kept). */
  async fail(runId: string, reason: string): Promise<void> {
    const run = await this.runs.findOneBy({ id: runId });
    if (!run || run.status === 'completed') return;
    await this.runs.update(runId, { status: 'failed', finishedAt: new Date(), error: reason.slice(0, 1000) });
    this.metrics.reconciliationRuns.inc({ trigger: run.trigger, outcome: 'failed' });
    this.logger.error({ run_id: runId, reason }, 'reconciliation run failed');
  }

  /** Back to the queue (a retry, or another worker after a shutdown). */
  async requeue(runId: string, reason: string): Promise<void> {
    await this.runs.update(
      { id: runId, status: 'running' as RunStatus },
      { status: 'queued', error: reason.slice(0, 1000) },
    );
    await this.runs.update(
      { id: runId, status: 'waiting' as RunStatus },
      { status: 'queued', error: reason.slice(0, 1000) },
    );
  }

  /** Runs `call` until Wompi answers; an outage is waited out (bounded), never concluded from. */
  private async patiently<T>(pass: Pass, call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const value = await call();
        if (pass.run.status === 'waiting') {
          pass.run.status = 'running';
          await this.runs.update(pass.run.id, { status: 'running' });
          this.logger.log(
            { run_id: pass.run.id, waited_ms: pass.waitedMs },
            'Wompi answers again; reconciliation resumes',
          );
        }
        return value;
      } catch (err) {
        if (!(err instanceof GatewayUnavailable || err instanceof GatewayTimeout)) throw err;
        const step = Math.min(
          MAX_STEP_MS,
          Math.max(1000, err instanceof GatewayUnavailable ? err.retryAfterSeconds * 1000 : 1000),
        );
        if (pass.waitedMs + step > this.config.reconciliation.maxWaitMs) throw new WompiOutageTooLong(pass.waitedMs);
        if (pass.run.status !== 'waiting') {
          pass.run.status = 'waiting';
          await this.runs.update(pass.run.id, { status: 'waiting' });
          this.logger.warn(
            { run_id: pass.run.id, breaker: this.gateway.breakerState('transactions-read'), error: err.message },
            'Wompi unavailable; reconciliation waits',
          );
        }
        await sleep(step, pass.signal);
        pass.waitedMs += step;
      }
    }
  }

  private async check(pass: Pass, tx: WompiTransaction): Promise<void> {
    const payment = await this.dataSource.getRepository(PaymentEntity).findOneBy({ wompiReference: tx.reference });
    const attempt = payment
      ? await this.dataSource.getRepository(PaymentAttemptEntity).findOneBy({ wompiTransactionId: tx.id })
      : null;
    const verdict = compare(tx, { payment: payment ?? undefined, attemptStatus: attempt?.status });
    if (verdict.action === 'match') {
      pass.matched++;
      return;
    }
    const base = { tx, payment, ourStatus: attempt?.status ?? null };
    if (verdict.action === 'report' && verdict.kind === 'unknown_reference') return this.unknownReference(pass, base);
    if (verdict.action === 'report') return this.record(pass, base, verdict.kind, 'reported', verdict.detail);

    const r = await this.state.apply(tx, 'reconciliation', { paymentId: payment!.id });
    switch (r.outcome) {
      case 'changed':
        return this.record(
          pass,
          base,
          'status_mismatch',
          'healed',
          `payment moved ${r.from} → ${r.to} as Wompi reports (event${r.eventIds.length === 1 ? '' : 's'} ${r.eventIds.length})`,
        );
      case 'unchanged':
        if (
          tx.status === 'APPROVED' &&
          r.payment &&
          r.payment.wompiTransactionId !== tx.id &&
          (r.payment.status === 'APPROVED' || r.payment.status === 'VOIDED')
        ) {
          return this.record(
            pass,
            base,
            'duplicate_approval',
            'reported',
            `a second APPROVED Wompi transaction for a payment approved by ${r.payment.wompiTransactionId}: the buyer paid twice; refund one`,
          );
        }
        return this.record(
          pass,
          base,
          'status_mismatch',
          'healed',
          `recorded Wompi's ${tx.status} for this transaction; the payment stays ${r.payment?.status ?? 'as it was'}`,
        );
      case 'stale':
        pass.matched++; // applied meanwhile (a webhook or the poller got there first)
        return;
      case 'contradiction':
        return this.record(
          pass,
          base,
          'status_contradiction',
          'reported',
          `Wompi reports ${tx.status}, which the payment's recorded outcome contradicts; not applied`,
        );
      case 'mismatch':
        return this.record(
          pass,
          base,
          'amount_mismatch',
          'reported',
          'Wompi disagrees with our amount, currency or reference; not applied',
        );
      case 'unknown_payment':
        return this.record(
          pass,
          base,
          'unknown_reference',
          'reported',
          'Wompi has a transaction whose reference this service never issued',
        );
    }
  }

  /**
   * A reference we never issued goes through the one state machine too: a payment of one of
   * our links (its webhook lost) becomes the link owner's payment; anything else is recorded
   * as an external transaction (with its `transaction.external` event, once per status) and
   * stays a discrepancy for a person.
   */
  private async unknownReference(
    pass: Pass,
    base: { tx: WompiTransaction; payment: PaymentEntity | null; ourStatus: PaymentStatus | null },
  ): Promise<void> {
    const r = await this.state.apply(base.tx, 'reconciliation');
    if (r.outcome === 'external' || !r.payment)
      return this.record(
        pass,
        base,
        'unknown_reference',
        'reported',
        'Wompi has a transaction whose reference this service never issued; recorded as an external transaction (GET /v1/external-transactions)',
      );
    return this.record(
      pass,
      { ...base, payment: r.payment },
      'status_mismatch',
      'healed',
      `a payment of one of our links, recorded for its owner (${r.outcome})`,
    );
  }

  private async missingAtWompi(pass: Pass, wompiTransactionId: string): Promise<void> {
    const attempt = await this.dataSource.getRepository(PaymentAttemptEntity).findOneByOrFail({ wompiTransactionId });
    const payment = await this.dataSource.getRepository(PaymentEntity).findOneBy({ id: attempt.paymentId });
    await this.insert(pass, {
      kind: 'missing_at_wompi',
      resolution: 'reported',
      wompiTransactionId,
      wompiReference: payment?.wompiReference ?? null,
      paymentId: attempt.paymentId,
      reference: payment?.reference ?? null,
      ourStatus: attempt.status,
      ourAmountInCents: attempt.amountInCents,
      ourCurrency: payment?.currency ?? null,
      detail: 'we hold this Wompi transaction id but Wompi answers 404 for it',
    });
  }

  private record(
    pass: Pass,
    b: { tx: WompiTransaction; payment: PaymentEntity | null; ourStatus: string | null },
    kind: DiscrepancyKind,
    resolution: Resolution,
    detail: string,
  ): Promise<void> {
    return this.insert(pass, {
      kind,
      resolution,
      wompiTransactionId: b.tx.id,
      wompiReference: b.tx.reference,
      paymentId: b.payment?.id ?? null,
      reference: b.payment?.reference ?? null,
      ourStatus: b.ourStatus,
      wompiStatus: b.tx.status,
      ourAmountInCents: b.payment?.amountInCents ?? null,
      wompiAmountInCents: b.tx.amount_in_cents,
      ourCurrency: b.payment?.currency ?? null,
      wompiCurrency: b.tx.currency,
      detail,
    });
  }

  /** One row per run and Wompi transaction: a run resumed after a crash keeps what it healed. */
  private async insert(pass: Pass, row: Partial<ReconciliationDiscrepancyEntity>): Promise<void> {
    const inserted = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(ReconciliationDiscrepancyEntity)
      .values({ ...row, runId: pass.run.id })
      .orIgnore()
      .returning(['id'])
      .execute();
    if (!inserted.raw?.length) return;
    this.metrics.reconciliationDiscrepancies.inc({ kind: row.kind!, resolution: row.resolution! });
    const log = {
      run_id: pass.run.id,
      kind: row.kind,
      resolution: row.resolution,
      wompi_transaction_id: row.wompiTransactionId,
      payment_id: row.paymentId,
    };
    if (row.resolution === 'healed') this.logger.log(log, 'reconciliation healed a discrepancy');
    else this.logger.warn(log, 'reconciliation found a discrepancy');
  }
}
