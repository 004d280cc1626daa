import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { JobQueue, QUEUES, QueueUnavailable, RETRY_POLICIES } from '../queue/job-queue.port';
import { APPLY_EVENT_JOB, ApplyEventJob } from './inbox-dispatcher';
import { InboxStore } from './inbox.store';
import type { TraceCarrier } from '../tracing/trace-context';

/** Rows handed to the queue in one round trip. */
export const RELAY_BATCH = 500;
/**
 * How long a submitted row waits for others to share its round trips (Bull's addBulk and the
 * enqueued_at UPDATE). Small next to the sweeper's grace (RELAY_GRACE_MS) and to a job's own
 * latency; at a few hundred events a second it turns one Redis and one Postgres round trip per
 * event into one per several.
 */
export const RELAY_WINDOW_MS = 10;

/**
 * Takes Redis off the webhook's request path. The committed inbox row is the durable queue
 * entry; the ingress answers 200 once it is stored and submits the row here. Rows submitted
 * while the event loop was busy go to Bull together (one `addBulk`) and are stamped
 * `enqueued_at` together (one UPDATE), within RELAY_WINDOW_MS. When the queue is
 * unreachable, or the process dies first, the rows keep `enqueued_at` null and the sweeper
 * enqueues them once they are older than its grace (INBOX_SWEEP_AFTER_MS, at most 2 s).
 */
@Injectable()
export class InboxRelay implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private pending: { id: string; jobId: string; trace?: TraceCarrier }[] = [];
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: JobQueue,
    private readonly store: InboxStore,
  ) {}

  /**
   * `trace`: the delivery's trace context, captured now — the enqueue runs on a later turn of
   * the event loop, outside the request's context — and carried in the job data.
   */
  submit(inboxId: string, jobId: string, trace?: TraceCarrier): void {
    this.pending.push(trace ? { id: inboxId, jobId, trace } : { id: inboxId, jobId });
    if (this.pending.length >= RELAY_BATCH) this.start();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => this.start(), RELAY_WINDOW_MS);
  }

  /** Shutdown: what was submitted is handed over (bounded by the queue's own timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flushing;
    if (this.pending.length) this.start();
    await this.flushing;
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      if (this.pending.length) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, RELAY_BATCH);
      try {
        await this.queue.enqueueMany<ApplyEventJob>(
          QUEUES.WEBHOOK_EVENTS,
          APPLY_EVENT_JOB,
          batch.map((r) => ({
            data: r.trace ? { inboxId: r.id, trace: r.trace } : { inboxId: r.id },
            options: { jobId: r.jobId, ...RETRY_POLICIES.webhookEvent },
          })),
        );
      } catch (err) {
        const reason = err instanceof QueueUnavailable ? 'queue_unavailable' : (err as Error).message;
        this.logger.warn(
          { rows: batch.length, error: reason },
          'webhook events stored but not enqueued; the sweeper will enqueue them',
        );
        continue;
      }
      await this.store
        .markEnqueuedMany(batch.map((r) => r.id))
        .catch((err: Error) =>
          this.logger.warn({ rows: batch.length, error: err.message }, 'could not stamp enqueued_at'),
        );
    }
  }
}
