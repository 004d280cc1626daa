import { Injectable, Logger } from '@nestjs/common';
import { JobQueue, QUEUES, QueueUnavailable, RETRY_POLICIES } from '../queue/job-queue.port';
import type { TraceCarrier } from '../tracing/trace-context';

/** The job the fulfilment processor consumes (fixed interface with src/fulfilment). */
export const APPLY_EVENT_JOB = 'apply-event';
export interface ApplyEventJob {
  inboxId: string;
  /** the delivery's trace context: the job's span is its child (absent on sweeper/replay re-enqueues: a new trace) */
  trace?: TraceCarrier;
}

/** Job ids: the first enqueue dedupes on the row; re-enqueues need a fresh id, since a failed job with the same id would block the add. */
export const inboxJobId = {
  first: (inboxId: string) => `inbox:${inboxId}`,
  sweep: (inboxId: string, n: number) => `inbox:${inboxId}:sweep:${n}`,
  replay: (inboxId: string, ms: number) => `inbox:${inboxId}:replay:${ms}`,
  /** a redelivery of an event whose row is not settled (FAILED, UNCONFIRMED): one job per delivery */
  redelivery: (inboxId: string, deliveryCount: number) => `inbox:${inboxId}:redelivery:${deliveryCount}`,
};

/** Hands inbox rows to the queue. Never throws on an unreachable queue: the row is durable and the sweeper retries. */
@Injectable()
export class InboxDispatcher {
  private readonly logger = new Logger('Webhooks');

  constructor(private readonly queue: JobQueue) {}

  /** true when the queue accepted (or already held) the job */
  async enqueue(inboxId: string, jobId: string): Promise<boolean> {
    try {
      await this.queue.enqueue<ApplyEventJob>(
        QUEUES.WEBHOOK_EVENTS,
        APPLY_EVENT_JOB,
        { inboxId },
        { jobId, ...RETRY_POLICIES.webhookEvent },
      );
      return true;
    } catch (err) {
      const unavailable = err instanceof QueueUnavailable;
      this.logger.warn(
        { inbox_id: inboxId, job_id: jobId, error: unavailable ? 'queue_unavailable' : (err as Error).message },
        'webhook event stored but not enqueued; the sweeper will retry',
      );
      return false;
    }
  }
}
