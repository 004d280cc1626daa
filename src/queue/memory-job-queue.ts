import { Logger } from '@nestjs/common';
import { nextDailyAt } from '../common/zoned-time';
import {
  DailyOptions,
  EnqueueOptions,
  JobHandler,
  JobQueue,
  PermanentJobError,
  QueueCounts,
  QueueName,
  RETRY_POLICIES,
} from './job-queue.port';

interface MemJob {
  id: string;
  queue: QueueName;
  name: string;
  data: unknown;
  attempts: number;
  attemptsMade: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
  state: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
  /** the pending run, if any (a job is scheduled at most once, like a Bull job in one list) */
  timer?: NodeJS.Timeout;
}

/**
 * In-process JobQueue for `npm run dev` only (refused in production by config): the same
 * dedupe-by-jobId, attempts and backoff semantics as Bull, no persistence.
 */
export class MemoryJobQueue extends JobQueue {
  readonly driver = 'memory' as const;
  private readonly logger = new Logger('MemoryQueue');
  private readonly jobs = new Map<string, MemJob>();
  private readonly handlers = new Map<string, { handler: JobHandler<unknown>; concurrency: number; running: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly schedules = new Map<string, NodeJS.Timeout>();
  private closed = false;

  async enqueue<T>(queue: QueueName, name: string, data: T, o: EnqueueOptions): Promise<void> {
    const key = `${queue}:${o.jobId}`;
    if (this.jobs.has(key)) return;
    const policy = { ...RETRY_POLICIES.webhookEvent, ...o };
    const job: MemJob = {
      id: o.jobId,
      queue,
      name,
      data,
      attempts: policy.attempts,
      attemptsMade: 0,
      backoff: policy.backoff,
      state: 'waiting',
    };
    this.jobs.set(key, job);
    this.schedule(job, o.delayMs ?? 0);
  }

  /** One timer per schedule, re-armed after each firing; each firing is a job of its own (`jobId:at`). */
  async repeatDaily<T>(queue: QueueName, name: string, data: T, o: DailyOptions): Promise<void> {
    const key = `${queue}:${o.jobId}`;
    const existing = this.schedules.get(key);
    if (existing) {
      clearTimeout(existing);
      this.timers.delete(existing);
    }
    const arm = (): void => {
      if (this.closed) return;
      const at = nextDailyAt(new Date(), o.hour, o.timeZone);
      const t = setTimeout(() => {
        this.timers.delete(t);
        void this.enqueue(queue, name, data, { ...o, jobId: `${o.jobId}:${at.getTime()}` }).finally(arm);
      }, at.getTime() - Date.now());
      t.unref();
      this.schedules.set(key, t);
      this.timers.add(t);
    };
    arm();
  }

  process<T>(queue: QueueName, name: string, handler: JobHandler<T>, concurrency = 1): void {
    this.handlers.set(`${queue}:${name}`, { handler: handler as JobHandler<unknown>, concurrency, running: 0 });
    for (const j of this.jobs.values())
      if (j.queue === queue && j.name === name && j.state === 'waiting') this.schedule(j, 0);
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    const c: QueueCounts = { waiting: 0, delayed: 0, active: 0, failed: 0 };
    for (const j of this.jobs.values()) if (j.queue === queue && j.state !== 'completed') c[j.state]++;
    return c;
  }

  async ping(): Promise<void> {}

  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    this.timers.forEach(clearTimeout);
    const busy = () => [...this.handlers.values()].some((h) => h.running > 0);
    const deadline = Date.now() + timeoutMs;
    while (busy() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return !busy();
  }

  async close(timeoutMs: number): Promise<void> {
    await this.drain(timeoutMs);
  }

  /** `waiting`: runnable now, only held back (no handler yet, all slots busy), as in Bull. */
  private schedule(
    job: MemJob,
    delayMs: number,
    state: 'waiting' | 'delayed' = delayMs > 0 ? 'delayed' : 'waiting',
  ): void {
    if (this.closed) return;
    job.state = state;
    if (job.timer) {
      clearTimeout(job.timer);
      this.timers.delete(job.timer);
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      job.timer = undefined;
      void this.run(job);
    }, delayMs);
    job.timer = t;
    this.timers.add(t);
  }

  private async run(job: MemJob): Promise<void> {
    const h = this.handlers.get(`${job.queue}:${job.name}`);
    if (!h || this.closed) {
      job.state = 'waiting';
      return;
    }
    if (h.running >= h.concurrency) return this.schedule(job, 10, 'waiting');
    h.running++;
    job.state = 'active';
    try {
      await h.handler({
        id: job.id,
        name: job.name,
        data: job.data,
        attemptsMade: job.attemptsMade,
        attempts: job.attempts,
      });
      job.state = 'completed';
      this.jobs.delete(`${job.queue}:${job.id}`);
    } catch (err) {
      job.attemptsMade++;
      if (err instanceof PermanentJobError || job.attemptsMade >= job.attempts) {
        job.state = 'failed';
        this.logger.warn({ queue: job.queue, job: job.id, err }, 'job failed; dead-lettered');
      } else {
        const d =
          job.backoff.type === 'fixed' ? job.backoff.delayMs : job.backoff.delayMs * 2 ** (job.attemptsMade - 1);
        this.schedule(job, d);
      }
    } finally {
      h.running--;
    }
  }
}
