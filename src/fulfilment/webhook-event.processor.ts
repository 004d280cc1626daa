import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue, PermanentJobError, QUEUES, QueueJob } from '../queue/job-queue.port';
import { describeError } from '../messaging/outbox-message';
import { GatewayTimeout, GatewayUnavailable } from '../wompi/wompi.errors';
import { ApplyInboxEvent, InboxRowMissing, UnconfirmedByWompi } from './apply-inbox-event';
import { PoisonEvent } from './inbox-event';
import { contextFrom, inSpan, SpanKind, TraceCarrier } from '../tracing/trace-context';
// the job the webhook ingress enqueues for each stored event (job id `inbox:<id>`, re-enqueues suffixed)
import { APPLY_EVENT_JOB } from '../webhooks/inbox-dispatcher';

export interface ApplyEventJobData {
  inboxId: string;
  /** the webhook delivery's trace context (src/webhooks/inbox-relay.ts) */
  trace?: TraceCarrier;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Worker-role Bull handler for `webhook-events`/`apply-event`. Idempotent: the same inbox
 * row may arrive in several jobs (redeliveries, sweeper re-enqueues, Bull retries after a
 * crash) and is applied once. Retries follow `RETRY_POLICIES.webhookEvent` (set by the
 * producer); poison events and missing rows are dead-lettered at once.
 */
@Injectable()
export class WebhookEventProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('FulfilmentProcessor');

  constructor(
    private readonly queue: JobQueue,
    private readonly apply: ApplyInboxEvent,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.process<ApplyEventJobData>(
      QUEUES.WEBHOOK_EVENTS,
      APPLY_EVENT_JOB,
      (job) => this.handle(job),
      this.config.fulfilmentConcurrency,
    );
  }

  /**
   * The job's span continues the delivery's trace carried in the job data (a sweeper or replay
   * re-enqueue carries none: a new trace), so delivery, job and published event share a trace id.
   */
  handle(job: QueueJob<ApplyEventJobData>): Promise<void> {
    const attributes = {
      'messaging.system': 'bull',
      'messaging.destination.name': QUEUES.WEBHOOK_EVENTS,
      'messaging.message.id': job.id,
      'job.attempt': job.attemptsMade + 1,
    };
    return inSpan(
      'webhook-events process',
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(job.data?.trace as Record<string, unknown> | undefined),
        attributes,
      },
      () => this.run(job),
    );
  }

  private async run(job: QueueJob<ApplyEventJobData>): Promise<void> {
    const inboxId = job.data?.inboxId;
    if (typeof inboxId !== 'string' || !UUID.test(inboxId))
      throw new PermanentJobError(`job ${job.id} carries no valid inboxId`);
    try {
      await this.apply.execute(inboxId);
    } catch (err) {
      if (err instanceof InboxRowMissing) throw new PermanentJobError(err.message);
      if (err instanceof PoisonEvent) {
        await this.apply.recordFailure(inboxId, `poison: ${err.message}`, 'DEAD');
        this.logger.error(
          { inbox_id: inboxId, job: job.id, reason: err.message },
          'webhook event cannot be applied; dead-lettered',
        );
        throw new PermanentJobError(err.message);
      }
      const last = job.attemptsMade + 1 >= job.attempts;
      // Wompi down for longer than this job's retries: hand the row back to the inbox sweeper
      // (RECEIVED) instead of parking it — an event we could not confirm is never dropped.
      const wompiOutage = err instanceof GatewayUnavailable || err instanceof GatewayTimeout;
      // Wompi still behind the event after every attempt: UNCONFIRMED (not settled), re-tried
      // by the sweeper and by any redelivery; the stale-PENDING poller settles the payment itself.
      const unconfirmed = err instanceof UnconfirmedByWompi;
      const status = !last ? 'FAILED' : unconfirmed ? 'UNCONFIRMED' : wompiOutage ? 'RECEIVED' : 'DEAD';
      const error = err instanceof UnconfirmedByWompi ? err.message : describeError(err);
      await this.apply
        .recordFailure(inboxId, error, status)
        .catch((e) =>
          this.logger.warn({ inbox_id: inboxId, err: describeError(e) }, 'could not record the failed attempt'),
        );
      if (err instanceof UnconfirmedByWompi) {
        const ids = {
          inbox_id: inboxId,
          job: job.id,
          wompi_transaction_id: err.wompiTransactionId,
          event_status: err.eventStatus,
          wompi_status: err.wompiStatus,
          attempt: job.attemptsMade + 1,
          of: job.attempts,
        };
        if (last)
          this.logger.warn(
            ids,
            'Wompi has not confirmed the event after every attempt; inbox row UNCONFIRMED (the sweeper and redeliveries retry it, the poller settles the payment)',
          );
        else this.logger.warn(ids, 'Wompi does not confirm the event yet; will retry');
      } else if (status === 'RECEIVED')
        this.logger.warn(
          { inbox_id: inboxId, job: job.id, attempts: job.attemptsMade + 1, err: error },
          'Wompi still unreachable after every attempt; the inbox sweeper will re-enqueue the event',
        );
      else if (last)
        this.logger.error(
          { inbox_id: inboxId, job: job.id, attempts: job.attemptsMade + 1, err: error },
          'webhook event failed on its last attempt; inbox row DEAD (replay it once the cause is fixed)',
        );
      else
        this.logger.warn(
          { inbox_id: inboxId, job: job.id, attempt: job.attemptsMade + 1, of: job.attempts, err: error },
          'webhook event failed; will retry',
        );
      throw err;
    }
  }
}
