import { Injectable } from '@nestjs/common';

/**
 * Wakes the outbox relay of this process when something here committed an outbox row, so
 * an event leaves in milliseconds instead of waiting for the next poll.
 */
@Injectable()
export class OutboxSignal {
  private waiters: (() => void)[] = [];
  private pending = false;

  nudge(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    waiters.forEach((w) => w());
  }

  /** Resolves on the next nudge (or one that came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}
