import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { IdempotencyStore } from './idempotency.store';

export const PURGE_EVERY_MS = 5 * 60_000;
export const PURGE_BATCH = 1000;

/**
 * Worker role: deletes expired Idempotency-Key records every few minutes, in batches so a
 * backlog never holds long locks. Expired records are already ignored by claims, so a late
 * purge is harmless.
 */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('IdempotencyPurger');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(private readonly store: IdempotencyStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  /** First step of a shutdown: no new round; the one in flight finishes while the connections are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One purge pass (batches until a short one); returns how many records went. */
  purge(maxBatches = 100): Promise<number> {
    if (this.running) return this.running;
    this.running = (async () => {
      let total = 0;
      for (let i = 0; i < maxBatches; i++) {
        const n = await this.store.purgeExpired(PURGE_BATCH);
        total += n;
        if (n < PURGE_BATCH) break;
      }
      return total;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tick(): Promise<void> {
    try {
      const n = await this.purge();
      if (n > 0) this.logger.log({ purged: n }, 'expired idempotency keys purged');
    } catch (err) {
      this.logger.warn({ err }, 'idempotency purge failed; will retry');
    }
  }
}
