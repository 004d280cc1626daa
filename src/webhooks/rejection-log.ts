/**
 * Rejected deliveries are counted, and warned about at most once per window: a flood of forged
 * events must not become a flood of log lines. Nothing of the payload is ever logged.
 */
export type RejectionReason =
  'malformed' | 'bad_checksum' | 'properties_incomplete' | 'environment_mismatch' | 'timestamp_in_future';

export interface RejectionSummary {
  /** rejections per reason since the previous summary */
  counts: Partial<Record<RejectionReason, number>>;
  total: number;
  /** seconds covered by the counts */
  window_s: number;
}

export class RejectionLog {
  private counts: Partial<Record<RejectionReason, number>> = {};
  private since: number;
  private lastEmit = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly emit: (summary: RejectionSummary) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  note(reason: RejectionReason): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const t = this.now();
    if (t - this.lastEmit < this.windowMs) return;
    const total = Object.values(this.counts).reduce((a, b) => a + (b ?? 0), 0);
    this.emit({ counts: this.counts, total, window_s: Math.max(0, Math.round((t - this.since) / 1000)) });
    this.counts = {};
    this.since = t;
    this.lastEmit = t;
  }
}
