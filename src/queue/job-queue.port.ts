import type { QueueDriver } from '../config/app-config';
/**
 * The queue port. Use cases enqueue and workers register handlers through it; only the
 * adapters know Bull. Jobs are idempotent by construction: a deterministic `jobId` from the
 * business key means enqueueing the same work twice keeps one job.
 */
export const QUEUES = {
  /** verified webhook events waiting to be applied (webhooks → fulfilment) */
  WEBHOOK_EVENTS: 'webhook-events',
  /** payments to resolve or poll at Wompi (UNKNOWN creates, stale PENDING) */
  RECONCILIATION: 'reconciliation',
  /** reconciliation runs against Wompi's listing (daily and on demand; long jobs, their own queue) */
  RECONCILIATION_RUNS: 'reconciliation-runs',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface RetryPolicy {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
}

/** Named retry options, so every producer of a kind of job retries the same way. */
export const RETRY_POLICIES = {
  webhookEvent: { attempts: 8, backoff: { type: 'exponential', delayMs: 1000 } },
  reconciliation: { attempts: 10, backoff: { type: 'exponential', delayMs: 5000 } },
  /** a run waits out Wompi outages itself; these retries cover crashes and our own dependencies */
  reconciliationRun: { attempts: 5, backoff: { type: 'exponential', delayMs: 60_000 } },
} satisfies Record<string, RetryPolicy>;

export interface EnqueueOptions extends Partial<RetryPolicy> {
  /** deterministic id: a second enqueue with the same id while the job exists is a no-op */
  jobId: string;
  delayMs?: number;
}

/** A job repeated every day at `hour`:00 in `timeZone`, one schedule per `jobId` across all workers. */
export interface DailyOptions extends Partial<RetryPolicy> {
  jobId: string;
  hour: number;
  timeZone: string;
}

export interface QueueJob<T> {
  id: string;
  name: string;
  data: T;
  /** attempts already made before this one */
  attemptsMade: number;
  /** total attempts allowed */
  attempts: number;
}

export type JobHandler<T> = (job: QueueJob<T>) => Promise<void>;

/** A queue's jobs by state, read from its store (`payments_queue_depth` is `waiting`). */
export interface QueueCounts {
  /** ready to run, not yet taken by a worker (the backlog) */
  waiting: number;
  /** due later: a first delay (`delayMs`) or a retry's backoff */
  delayed: number;
  /** being run by a worker now */
  active: number;
  /** dead-lettered (attempts exhausted or PermanentJobError) */
  failed: number;
}

/** Thrown by a handler when retrying cannot help: the job is dead-lettered at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** Thrown by `enqueue` when the queue's store can't be reached in time. */
export class QueueUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnavailable';
  }
}

export abstract class JobQueue {
  abstract enqueue<T>(queue: QueueName, name: string, data: T, options: EnqueueOptions): Promise<void>;
  /** Several jobs of one kind at once (one round trip where the store allows); all or none. */
  async enqueueMany<T>(
    queue: QueueName,
    name: string,
    jobs: readonly { data: T; options: EnqueueOptions }[],
  ): Promise<void> {
    for (const j of jobs) await this.enqueue(queue, name, j.data, j.options);
  }
  /**
   * Schedules `name` daily (a repeatable job). Idempotent: every worker may call it at boot;
   * a changed hour or zone replaces the schedule of the same `jobId` instead of adding one.
   */
  abstract repeatDaily<T>(queue: QueueName, name: string, data: T, options: DailyOptions): Promise<void>;
  /** register a handler; called by the worker role only */
  abstract process<T>(queue: QueueName, name: string, handler: JobHandler<T>, concurrency?: number): void;
  /**
   * The queue's jobs by state, read from the store at call time; throws QueueUnavailable when
   * the store does not answer within `timeoutMs` (the metrics scrape relies on that bound).
   */
  abstract counts(queue: QueueName, timeoutMs: number): Promise<QueueCounts>;
  /**
   * What stores the jobs: `bull` (Redis) or `memory` (in-process, `npm run dev` only). Readiness
   * names its check after it (`redis`, or `queue` with `driver: memory`), so it never reports a
   * Redis that is not there.
   */
  abstract readonly driver: QueueDriver;
  /** throws when the backing store is unreachable (readiness) */
  abstract ping(timeoutMs: number): Promise<void>;
  /**
   * Shutdown, first step: this process takes no new jobs; resolves once the running ones have
   * finished (true) or `timeoutMs` has passed (false). Enqueueing still works (HTTP requests
   * in flight may still enqueue), and jobs not started stay queued for another worker.
   */
  abstract drain(timeoutMs: number): Promise<boolean>;
  /** Shutdown, last step: drain if not done yet (bounded), then close the connections. */
  abstract close(timeoutMs: number): Promise<void>;
}
