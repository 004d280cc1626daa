import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound, ValidationFailed } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { JobQueue, QUEUES, RETRY_POLICIES } from '../queue/job-queue.port';
import { ReconciliationDiscrepancyEntity } from './reconciliation-discrepancy.entity';
import { ReconciliationRunEntity, RunTrigger } from './reconciliation-run.entity';

export const RUN_JOB = 'reconciliation-run';
export const DAILY_JOB = 'daily-reconciliation';
/** the repeatable job's id: one daily schedule, whatever the number of workers */
export const DAILY_JOB_ID = 'reconciliation-daily';

export interface RunJobData {
  runId: string;
}

const DAY_MS = 86_400_000;

/** Runs by range: the same range is always the same run (a failed one is queued again). */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly config: AppConfig,
  ) {}

  private get runs() {
    return this.dataSource.getRepository(ReconciliationRunEntity);
  }

  /** Field errors of an operator's range (the DTO has checked the format). */
  validateRange(from: Date, until: Date, now = new Date()): void {
    const errors: Record<string, string[]> = {};
    if (from.getTime() >= until.getTime()) errors.until = ['until must be after from'];
    else if (until.getTime() - from.getTime() > this.config.reconciliation.maxRangeDays * DAY_MS)
      errors.until = [
        `the range must be at most ${this.config.reconciliation.maxRangeDays} days (RECONCILIATION_MAX_RANGE_DAYS)`,
      ];
    if (until.getTime() > now.getTime())
      errors.until = [
        ...(errors.until ?? []),
        'until must not be in the future: transactions still being created would be reported as missing',
      ];
    if (Object.keys(errors).length) throw new ValidationFailed(errors, 'The reconciliation range is not valid');
  }

  /**
   * The run of [from, until), created and queued when new; `created` tells which. A failed run
   * is queued again (same id, next attempt); a queued one is queued again in case its job was lost.
   */
  async request(
    from: Date,
    until: Date,
    trigger: RunTrigger,
    requestedBy: string | null,
  ): Promise<{ run: ReconciliationRunEntity; created: boolean; requeued: boolean }> {
    const inserted = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(ReconciliationRunEntity)
      .values({ trigger, status: 'queued', fromAt: from, untilAt: until, requestedBy })
      .orIgnore()
      .returning(['id'])
      .execute();
    const created = inserted.raw?.length > 0;
    let run = await this.runs.findOneByOrFail({ fromAt: from, untilAt: until });
    let requeued = false;
    if (!created && run.status === 'failed') {
      const r = await this.runs.update(
        { id: run.id, status: 'failed' },
        { status: 'queued', attempt: () => 'attempt + 1', error: null, finishedAt: null },
      );
      requeued = (r.affected ?? 0) > 0;
      run = await this.runs.findOneByOrFail({ id: run.id });
    }
    if (created || run.status === 'queued') {
      try {
        await this.queue.enqueue<RunJobData>(
          QUEUES.RECONCILIATION_RUNS,
          RUN_JOB,
          { runId: run.id },
          { jobId: `run-${run.id}-${run.attempt}`, ...RETRY_POLICIES.reconciliationRun },
        );
      } catch (err) {
        // nothing half-written: a new run that could not be queued is forgotten
        if (created) await this.runs.delete({ id: run.id, status: 'queued' });
        throw err;
      }
      this.logger.log(
        { run_id: run.id, trigger, from: from.toISOString(), until: until.toISOString(), attempt: run.attempt },
        'reconciliation run queued',
      );
    }
    return { run, created, requeued };
  }

  async get(id: string): Promise<ReconciliationRunEntity> {
    const run = await this.runs.findOneBy({ id });
    if (!run) throw new NotFound('Reconciliation run');
    return run;
  }

  /** Newest first; `afterId` is the last run of the previous page (compared in the database, microseconds and all). */
  async list(limit: number, afterId?: string): Promise<ReconciliationRunEntity[]> {
    const qb = this.runs.createQueryBuilder('r');
    if (afterId)
      qb.where('(r.created_at, r.id) < (select c.created_at, c.id from reconciliation_runs c where c.id = :afterId)', {
        afterId,
      });
    return qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').limit(limit).getMany();
  }

  /** In detection order; `after` is the last id of the previous page; no limit = all (the CSV). */
  async discrepancies(
    runId: string,
    filter: { kind?: string; resolution?: string; after?: string; limit?: number },
  ): Promise<ReconciliationDiscrepancyEntity[]> {
    await this.get(runId);
    const qb = this.dataSource
      .getRepository(ReconciliationDiscrepancyEntity)
      .createQueryBuilder('d')
      .where('d.run_id = :runId', { runId });
    if (filter.kind) qb.andWhere('d.kind = :kind', { kind: filter.kind });
    if (filter.resolution) qb.andWhere('d.resolution = :resolution', { resolution: filter.resolution });
    if (filter.after) qb.andWhere('d.id > :after', { after: filter.after });
    qb.orderBy('d.id', 'ASC');
    if (filter.limit) qb.limit(filter.limit);
    return qb.getMany();
  }

  /**
   * For the metrics: when the last run completed, and how much of it is left to a person.
   * Before any run completed, the first run's creation stands in, so a schedule whose runs
   * all fail still raises "missing" 26 h later (with no run at all there is no sample).
   */
  async health(): Promise<{ lastSuccessAt: Date | null; unhealed: number }> {
    const last = await this.runs.findOne({ where: { status: 'completed' }, order: { finishedAt: 'DESC' } });
    if (last) return { lastSuccessAt: last.finishedAt, unhealed: last.discrepancies };
    const first = await this.runs.findOne({ where: {}, order: { createdAt: 'ASC' } });
    return { lastSuccessAt: first?.createdAt ?? null, unhealed: 0 };
  }
}
