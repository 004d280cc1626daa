import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OutboxSignal } from '../messaging/outbox-signal';
import { JobQueue, QUEUES, QueueUnavailable, RETRY_POLICIES } from '../queue/job-queue.port';
import { APPLY_EVENT_JOB, ApplyEventJob, inboxJobId } from './inbox-dispatcher';
import { ClaimedForRelay, InboxStore } from './inbox.store';

/** Rows claimed and handed to the queue in one round (one claim statement, one `addBulk`). */
export const RELAY_BATCH = 500;
/**
 * After a wake-up, how long the relay lets more rows arrive before it claims: at a few hundred
 * events a second it turns one Postgres and one Redis round trip per event into one per several.
 */
export const RELAY_WINDOW_MS = 10;
/** How often a worker looks for rows stored by another process's ingress (an api pod). */
export const RELAY_POLL_MS = 50;
/** Longest pause after failed rounds (queue or database unreachable); the sweeper covers meanwhile. */
export const RELAY_MAX_BACKOFF_MS = 5000;
const OUTAGE_LOG_EVERY_MS = 60_000;

/**
 * Wakes the inbox relay of this process when its ingress stored a row to hand over (ROLE=all),
 * so a webhook is enqueued within milliseconds instead of at the next poll.
 */
@Injectable()
export class InboxSignal extends OutboxSignal {}

const jobIdFor = (r: ClaimedForRelay): string =>
  r.status === 'RECEIVED' ? inboxJobId.first(r.id) : inboxJobId.redelivery(r.id, r.deliveryCount);

/**
 * Worker role. The ingress (api role) only stores: the committed inbox row is the durable queue
 * entry, and the api never talks to Redis for a webhook. This relay claims the rows nobody has
 * handed to the queue yet (`enqueued_at` null: new RECEIVED rows, and unsettled rows a
 * redelivery handed back), oldest first, stamping them in the claim (SKIP LOCKED: several
 * workers never claim one row), and gives them to Bull in one `addBulk`, each job carrying its
 * delivery's trace context. Job ids: a RECEIVED row's first job id (a no-op while that job
 * exists), a FAILED/UNCONFIRMED row's redelivery id (a job run now). An enqueue that fails
 * unclaims its rows and the relay backs off; a worker that dies between claim and enqueue leaves
 * its rows stamped, and the sweeper takes them after INBOX_SWEEP_AFTER_MS. Woken by this
 * process's ingress (ROLE=all), else every RELAY_POLL_MS.
 */
@Injectable()
export class InboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private running?: Promise<void>;
  private stopping = false;
  private lastOutageLog = 0;

  constructor(
    private readonly queue: JobQueue,
    private readonly store: InboxStore,
    private readonly signal: InboxSignal,
  ) {}

  onApplicationBootstrap(): void {
    this.running ??= this.loop();
  }

  /** Shutdown: no new round; the one in flight finishes (bounded by the queue's own timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.signal.nudge();
    await this.running;
  }

  /** One claim → enqueue round; returns how many rows were handed to the queue. Public for tests. */
  async runOnce(): Promise<number> {
    const rows = await this.store.claimUnenqueued(RELAY_BATCH);
    if (rows.length === 0) return 0;
    try {
      await this.queue.enqueueMany<ApplyEventJob>(
        QUEUES.WEBHOOK_EVENTS,
        APPLY_EVENT_JOB,
        rows.map((r) => ({
          data: r.trace ? { inboxId: r.id, trace: r.trace } : { inboxId: r.id },
          options: { jobId: jobIdFor(r), ...RETRY_POLICIES.webhookEvent },
        })),
      );
    } catch (err) {
      // handed back at once (the sweeper would take them after INBOX_SWEEP_AFTER_MS otherwise)
      await this.store.unclaim(rows.map((r) => r.id)).catch(() => undefined);
      throw err;
    }
    if (this.lastOutageLog) {
      this.lastOutageLog = 0;
      this.logger.log({ rows: rows.length }, 'webhook events enqueued again');
    }
    return rows.length;
  }

  private async loop(): Promise<void> {
    let backoffMs = 0;
    while (!this.stopping) {
      let handed = 0;
      try {
        handed = await this.runOnce();
        backoffMs = 0;
      } catch (err) {
        backoffMs = Math.min(RELAY_MAX_BACKOFF_MS, Math.max(RELAY_POLL_MS * 4, backoffMs * 2));
        if (Date.now() - this.lastOutageLog > OUTAGE_LOG_EVERY_MS) {
          this.lastOutageLog = Date.now();
          this.logger.warn(
            { error: err instanceof QueueUnavailable ? 'queue_unavailable' : (err as Error).message },
            'inbox relay could not hand stored webhook events to the queue; retrying with backoff (the sweeper also covers them)',
          );
        }
      }
      if (this.stopping) break;
      if (handed >= RELAY_BATCH) continue; // more may be waiting
      await this.signal.wait(backoffMs || RELAY_POLL_MS);
      if (!this.stopping && !backoffMs) await new Promise((r) => setTimeout(r, RELAY_WINDOW_MS));
    }
  }
}
