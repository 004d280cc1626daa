import { Injectable, Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import {
  DailyOptions,
  EnqueueOptions,
  JobHandler,
  JobQueue,
  PermanentJobError,
  QueueCounts,
  QueueName,
  QueueUnavailable,
  RETRY_POLICIES,
} from './job-queue.port';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailable(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** JobQueue on Bull (Redis). Queues are created by @nestjs/bull and handed in by name. */
@Injectable()
export class BullJobQueue extends JobQueue {
  readonly driver = 'bull' as const;
  private readonly logger = new Logger('Queue');

  constructor(
    private readonly queues: Map<QueueName, Queue>,
    private readonly enqueueTimeoutMs = 1500,
  ) {
    super();
  }

  private queue(name: QueueName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`queue ${name} is not registered`);
    return q;
  }

  async enqueue<T>(queue: QueueName, name: string, data: T, o: EnqueueOptions): Promise<void> {
    const policy = { ...RETRY_POLICIES.webhookEvent, ...o };
    await withTimeout(
      this.queue(queue).add(name, data, {
        jobId: o.jobId,
        attempts: policy.attempts,
        backoff: { type: policy.backoff.type, delay: policy.backoff.delayMs },
        delay: o.delayMs,
        removeOnComplete: 1000,
        removeOnFail: false,
      }),
      this.enqueueTimeoutMs,
      `enqueue on ${queue}`,
    );
  }

  /** One MULTI for the whole batch (Bull's addBulk); a job id already present stays a no-op. */
  override async enqueueMany<T>(
    queue: QueueName,
    name: string,
    jobs: readonly { data: T; options: EnqueueOptions }[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    await withTimeout(
      this.queue(queue).addBulk(
        jobs.map(({ data, options: o }) => {
          const policy = { ...RETRY_POLICIES.webhookEvent, ...o };
          return {
            name,
            data,
            opts: {
              jobId: o.jobId,
              attempts: policy.attempts,
              backoff: { type: policy.backoff.type, delay: policy.backoff.delayMs },
              delay: o.delayMs,
              removeOnComplete: 1000,
              removeOnFail: false,
            },
          };
        }),
      ),
      this.enqueueTimeoutMs,
      `enqueue of ${jobs.length} on ${queue}`,
    );
  }

  async repeatDaily<T>(queue: QueueName, name: string, data: T, o: DailyOptions): Promise<void> {
    const q = this.queue(queue);
    const cron = `0 ${o.hour} * * *`;
    // Bull keys a repeatable job by name, id, cron and zone: a changed hour would add a second schedule
    for (const r of await withTimeout(q.getRepeatableJobs(), this.enqueueTimeoutMs, `repeatables on ${queue}`)) {
      if (r.name === name && r.id === o.jobId && (r.cron !== cron || r.tz !== o.timeZone))
        await q.removeRepeatableByKey(r.key);
    }
    const policy = { ...RETRY_POLICIES.webhookEvent, ...o };
    await withTimeout(
      q.add(name, data, {
        jobId: o.jobId,
        repeat: { cron, tz: o.timeZone },
        attempts: policy.attempts,
        backoff: { type: policy.backoff.type, delay: policy.backoff.delayMs },
        removeOnComplete: 100,
        removeOnFail: false,
      }),
      this.enqueueTimeoutMs,
      `schedule on ${queue}`,
    );
  }

  process<T>(queue: QueueName, name: string, handler: JobHandler<T>, concurrency = 1): void {
    void this.queue(queue).process(name, concurrency, async (job: Job<T>) => {
      try {
        await handler({
          id: String(job.id),
          name: job.name,
          data: job.data,
          attemptsMade: job.attemptsMade,
          attempts: job.opts.attempts ?? 1,
        });
      } catch (err) {
        if (err instanceof PermanentJobError) {
          // no retry: straight to the failed set, which is our dead-letter state
          await job.discard();
          this.logger.warn({ queue, job: job.id, reason: err.message }, 'job failed permanently; dead-lettered');
        }
        throw err;
      }
    });
  }

  async counts(queue: QueueName, timeoutMs: number): Promise<QueueCounts> {
    const q = this.queue(queue);
    // While Redis is away ioredis would park the command in its offline queue: answer at once
    // instead of adding one more parked command on every scrape.
    const status = q.client.status;
    if (status === 'reconnecting' || status === 'close' || status === 'end')
      throw new QueueUnavailable(`job counts on ${queue}: redis connection is ${status}`);
    // one MULTI of LLEN/ZCARD; Bull also returns `paused` (jobs waiting while the queue is paused globally)
    const c = (await withTimeout(q.getJobCounts(), timeoutMs, `job counts on ${queue}`)) as Awaited<
      ReturnType<Queue['getJobCounts']>
    > & { paused?: number };
    return { waiting: c.waiting + (c.paused ?? 0), delayed: c.delayed, active: c.active, failed: c.failed };
  }

  async ping(timeoutMs: number): Promise<void> {
    const first = this.queues.values().next().value as Queue | undefined;
    if (!first) return;
    await withTimeout(first.client.ping(), timeoutMs, 'redis ping');
  }

  /** The one local pause of this process (the signal handler and the shutdown hook both drain). */
  private pausing?: Promise<unknown>;

  async drain(timeoutMs: number): Promise<boolean> {
    // a local pause stops this process's workers from fetching jobs and waits for the active
    // ones; requested once (a second Bull pause would reconnect the blocking client twice)
    this.pausing ??= Promise.all([...this.queues.values()].map((q) => q.pause(true, false)));
    return withTimeout(this.pausing, timeoutMs, 'drain').then(
      () => true,
      (err) => {
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'jobs still running at the shutdown bound; Bull or the inbox sweeper will run them again',
        );
        return false;
      },
    );
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map((q) =>
        withTimeout(q.close(), timeoutMs, 'queue close').catch((err) => {
          this.logger.warn({ err }, 'queue did not close in time; forcing');
          return q.close(true).catch(() => undefined);
        }),
      ),
    );
  }
}
