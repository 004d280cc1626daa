import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue, PermanentJobError, QUEUES, QueueJob, RETRY_POLICIES } from '../queue/job-queue.port';
import { GatewayAuthError, GatewayBadResponse } from '../wompi/wompi.errors';
import { ReconciliationRunner, RunInterrupted, WompiOutageTooLong } from './reconciliation-runner';
import { DAILY_JOB, DAILY_JOB_ID, ReconciliationService, RUN_JOB, RunJobData } from './reconciliation.service';
import { dailyRange } from './run-range';

/**
 * Worker role: executes queued runs (queue `reconciliation-runs`) and, when
 * RECONCILIATION_ENABLED, keeps the daily schedule (a Bull repeatable job with a fixed id, so
 * every worker registering it keeps one schedule). The daily job only creates and queues the
 * run of the previous local day; the run itself is an ordinary run job.
 */
@Injectable()
export class ReconciliationWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Reconciliation');
  private readonly shutdown = new AbortController();

  constructor(
    private readonly queue: JobQueue,
    private readonly runs: ReconciliationService,
    private readonly runner: ReconciliationRunner,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.queue.process<RunJobData>(QUEUES.RECONCILIATION_RUNS, RUN_JOB, (job) => this.handleRun(job), 1);
    this.queue.process<Record<string, never>>(QUEUES.RECONCILIATION_RUNS, DAILY_JOB, () => this.handleDaily(), 1);
    const { enabled, hour, timeZone } = this.config.reconciliation;
    if (!enabled) return;
    try {
      await this.queue.repeatDaily(
        QUEUES.RECONCILIATION_RUNS,
        DAILY_JOB,
        {},
        { jobId: DAILY_JOB_ID, hour, timeZone, ...RETRY_POLICIES.reconciliationRun },
      );
      this.logger.log({ hour, time_zone: timeZone }, 'daily reconciliation scheduled');
    } catch (err) {
      // the other workers (or this one's next boot) schedule it; the "missing run" alert covers the rest
      this.logger.error({ err: (err as Error)?.message }, 'could not schedule the daily reconciliation');
    }
  }

  /** A waiting run stops waiting: it goes back to the queue and resumes on a worker that stays. */
  beforeApplicationShutdown(): void {
    this.shutdown.abort();
  }

  async handleDaily(now = new Date()): Promise<void> {
    const { from, until } = dailyRange(
      now,
      this.config.reconciliation.timeZone,
      this.config.reconciliation.overlapHours,
    );
    await this.runs.request(from, until, 'daily', null);
  }

  async handleRun(job: QueueJob<RunJobData>): Promise<void> {
    const { runId } = job.data;
    try {
      await this.runner.execute(runId, this.shutdown.signal);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof RunInterrupted) {
        await this.runner.requeue(runId, message);
        throw err;
      }
      // an outage waited out in full, refused keys or a listing we cannot read: retrying now will not help
      const permanent =
        err instanceof WompiOutageTooLong || err instanceof GatewayAuthError || err instanceof GatewayBadResponse;
      if (permanent || job.attemptsMade + 1 >= job.attempts) {
        await this.runner.fail(runId, message);
        throw new PermanentJobError(message);
      }
      await this.runner.requeue(runId, message);
      this.logger.warn(
        { run_id: runId, attempt: job.attemptsMade + 1, error: message },
        'reconciliation run failed; retried',
      );
      throw err;
    }
  }
}
