import { BullModule, getQueueToken } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { BullJobQueue } from './bull-job-queue';
import { JobQueue, QUEUES, QueueName } from './job-queue.port';
import { MemoryJobQueue } from './memory-job-queue';
import { redisOptions } from './redis-options';

const ALL_QUEUES = Object.values(QUEUES) as QueueName[];

/**
 * The queue's part of a graceful shutdown. `beforeApplicationShutdown` runs before Nest closes
 * the HTTP server: workers stop taking jobs and the running ones finish (bounded by
 * SHUTDOWN_TIMEOUT_MS; `main.ts` enforces the same bound on the whole shutdown) while the
 * connections stay open for requests still in flight. `onApplicationShutdown` comes after
 * the HTTP server has drained, and closes the Redis connections.
 */
class QueueCloser implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.drain(this.config.shutdownTimeoutMs);
  }
  async onApplicationShutdown(): Promise<void> {
    await this.queue.close(this.config.shutdownTimeoutMs);
  }
}

/**
 * Points `payments_queue_depth` at this process's queue port: every role holds the queues
 * (api enqueues, worker processes), so both report the backlog, read at scrape time.
 */
class QueueDepthMetric {
  constructor(@Inject(JobQueue) queue: JobQueue, @Inject(Metrics) metrics: Metrics) {
    metrics.observeQueues(queue);
  }
}

/** Provides the JobQueue port: Bull on Redis, or the in-process queue for `npm run dev`. */
@Global()
@Module({})
export class QueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (config.queueDriver === 'memory') {
      return {
        module: QueueModule,
        providers: [
          { provide: JobQueue, useValue: new MemoryJobQueue() },
          { provide: QueueCloser, useClass: QueueCloser },
          { provide: QueueDepthMetric, useClass: QueueDepthMetric },
        ],
        exports: [JobQueue],
      };
    }
    return {
      module: QueueModule,
      imports: [
        BullModule.forRoot({
          // an options object (not the URL) so every Bull client reconnects on our bounded policy
          redis: redisOptions(config.redisUrl!),
          prefix: config.queuePrefix,
          settings: { stalledInterval: 15_000, maxStalledCount: 2 },
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      providers: [
        {
          provide: JobQueue,
          inject: ALL_QUEUES.map((n) => getQueueToken(n)),
          useFactory: (...queues: Queue[]) => new BullJobQueue(new Map(ALL_QUEUES.map((n, i) => [n, queues[i]]))),
        },
        { provide: QueueCloser, useClass: QueueCloser },
        { provide: QueueDepthMetric, useClass: QueueDepthMetric },
      ],
      exports: [JobQueue],
    };
  }
}
