import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { InboxDispatcher, inboxJobId } from './inbox-dispatcher';
import { InboxStore } from './inbox.store';

/** Rows re-enqueued per sweep; the rest wait for the next tick (oldest first). */
export const SWEEP_BATCH = 200;

/** Sweep every half bound, within [250 ms, 5 s]: a row waits at most ~1.5× the bound. */
export function sweepIntervalMs(sweepAfterMs: number): number {
  return Math.min(5000, Math.max(250, Math.floor(sweepAfterMs / 2)));
}

/**
 * Worker role. Events the ingress stored but could not enqueue (Redis down), or whose job was
 * lost, are re-enqueued here: RECEIVED rows never enqueued, or enqueued longer ago than
 * `inboxSweepAfterMs`. Also publishes the inbox lag gauge.
 */
@Injectable()
export class InboxSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('InboxSweeper');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly store: InboxStore,
    private readonly dispatcher: InboxDispatcher,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), sweepIntervalMs(this.config.inboxSweepAfterMs));
    this.timer.unref();
  }

  /** First step of a shutdown: no new round; the one in flight finishes while the connections are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; overlapping ticks are skipped. */
  tick(): Promise<void> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve();
    const run = this.sweep()
      .then(() => undefined)
      .catch((err: Error) => this.logger.warn({ error: err.message }, 'inbox sweep failed'))
      .finally(() => {
        this.running = undefined;
      });
    this.running = run;
    return run;
  }

  /** Returns how many rows were handed to the queue. */
  async sweep(): Promise<number> {
    const claimed = await this.store.claimDue(this.config.inboxSweepAfterMs, SWEEP_BATCH);
    let enqueued = 0;
    const failed: string[] = [];
    const n = Date.now();
    for (const row of claimed) {
      // once the queue is unreachable, don't spend 1.5 s per row finding out again
      if (failed.length > 0 || this.stopped || !(await this.dispatcher.enqueue(row.id, inboxJobId.sweep(row.id, n))))
        failed.push(row.id);
      else enqueued++;
    }
    await this.store.unclaim(failed);
    if (claimed.length > 0)
      this.logger.log({ claimed: claimed.length, enqueued, deferred: failed.length }, 'inbox sweep re-enqueued events');
    this.metrics.webhookInboxLag.set(await this.store.oldestReceivedAgeSeconds());
    return enqueued;
  }
}
