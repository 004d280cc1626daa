import { Logger } from '@nestjs/common';
import type { Socket } from 'node:net';
import { FaultState, Faults } from './domain/faults';
import { SandboxKeys } from './domain/keys';
import { SandboxStore } from './services/sandbox-store';

export interface RuntimeOptions {
  keys: SandboxKeys;
  merchantId: number;
  eventsUrl?: string;
  retryDelaysMs: number[];
  cardDelayMs: number;
  asyncDelayMs: number;
  deliveryTimeoutMs: number;
  silent: boolean;
  faults: Faults;
}

/** Logs through Nest's Logger unless silent. Callers never pass secrets or card numbers. */
export class SandboxLog {
  private readonly logger = new Logger('WompiSandbox');

  constructor(private readonly silent: boolean) {}

  log(message: string): void {
    if (!this.silent) this.logger.log(message);
  }

  warn(message: string): void {
    if (!this.silent) this.logger.warn(message);
  }

  error(message: string): void {
    if (!this.silent) this.logger.error(message);
  }
}

/** Timers the sandbox owns, so reset/close can stop every pending finalisation and retry. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  schedule(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(
      () => {
        this.pending.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    t.unref();
    this.pending.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.pending.delete(t);
  }

  clearAll(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/**
 * One sandbox instance's state: options, in-memory store, faults, timers, held sockets and
 * in-flight deliveries. Several instances can live in one process.
 */
export class SandboxRuntime {
  readonly store = new SandboxStore();
  readonly faults: FaultState;
  readonly timers = new Timers();
  readonly log: SandboxLog;
  readonly heldSockets = new Set<Socket>();
  readonly inflight = new Set<AbortController>();
  origin = '';
  /** bumped by reset/close: work started in an older generation must not touch the new state */
  generation = 0;
  private eventsUrl: string | undefined;

  constructor(readonly options: RuntimeOptions) {
    this.faults = new FaultState(options.faults);
    this.log = new SandboxLog(options.silent);
    this.eventsUrl = options.eventsUrl;
  }

  get keys(): SandboxKeys {
    return this.options.keys;
  }

  getEventsUrl(): string | undefined {
    return this.eventsUrl;
  }

  setEventsUrl(url: string | undefined): void {
    this.eventsUrl = url;
  }

  /** Stops everything in flight: timers, deliveries, hung requests. */
  stopActivity(): void {
    this.generation++;
    this.timers.clearAll();
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
    for (const s of this.heldSockets) s.destroy();
    this.heldSockets.clear();
  }

  reset(): void {
    this.stopActivity();
    this.store.clear();
    this.faults.clear();
  }
}
