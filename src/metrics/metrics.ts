import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JobQueue, QUEUES, QueueName } from '../queue/job-queue.port';

/** The port bounds `counts` itself; this keeps a scrape bounded even if an adapter did not. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms + 50))),
  ]).finally(() => clearTimeout(timer));
}

/** How long a scrape waits for the queue store before leaving `payments_queue_depth` unsampled. */
export const QUEUE_DEPTH_TIMEOUT_MS = 1000;

/**
 * One Prometheus registry for the process, with the service's metrics declared in one place
 * (names are part of the alerting contract in helm/…/prometheusrule.yaml).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** scope: internal (per caller) | unauthenticated (refused keys, per address) | webhook_unverified (per address) */
  readonly rateLimited = new Counter({
    name: 'http_rate_limited_total',
    help: 'Requests answered 429 by our own rate limits, by scope',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly wompiCalls = new Counter({
    name: 'wompi_calls_total',
    help: 'Calls to Wompi by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly wompiDuration = new Histogram({
    name: 'wompi_call_duration_seconds',
    help: 'Wompi call latency',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
    registers: [this.registry],
  });
  /** one series per endpoint group (a fixed set: BREAKER_GROUPS), never per operation or path */
  readonly wompiBreakerState = new Gauge({
    name: 'wompi_breaker_state',
    help: 'Wompi circuit breaker per endpoint group: 0 closed, 1 half-open, 2 open',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });

  readonly webhookReceived = new Counter({
    name: 'webhook_events_received_total',
    help: 'Webhook deliveries received',
    registers: [this.registry],
  });
  readonly webhookVerified = new Counter({
    name: 'webhook_events_verified_total',
    help: 'Webhook deliveries whose checksum verified',
    registers: [this.registry],
  });
  readonly webhookRejected = new Counter({
    name: 'webhook_events_rejected_total',
    help: 'Webhook deliveries rejected, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly webhookDuplicates = new Counter({
    name: 'webhook_events_duplicate_total',
    help: 'Webhook deliveries that were redeliveries of a stored event',
    registers: [this.registry],
  });
  readonly webhookInboxLag = new Gauge({
    name: 'webhook_inbox_lag_seconds',
    help: 'Age of the oldest unprocessed inbox event',
    registers: [this.registry],
  });

  readonly paymentTransitions = new Counter({
    name: 'payments_transitions_total',
    help: 'Payment state transitions',
    labelNames: ['from', 'to', 'source'] as const,
    registers: [this.registry],
  });
  readonly paymentAnomalies = new Counter({
    name: 'payments_anomalies_total',
    help: 'Wompi reports refused: amount/currency/reference mismatch, or a final status contradicting the one recorded',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  /** a Wompi transaction with a reference this service never issued, per status reported (recorded, announced as transaction.external) */
  readonly externalTransactions = new Counter({
    name: 'payments_external_transactions_total',
    help: 'Wompi transactions with a reference this service never issued, recorded per status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  /** flag: none | EXPIRED | DEACTIVATED (the buyer paid a link that had expired or was deactivated) */
  readonly linkPayments = new Counter({
    name: 'payments_link_payments_total',
    help: 'Payments made through our payment links, by flag',
    labelNames: ['flag'] as const,
    registers: [this.registry],
  });
  readonly fulfilments = new Counter({
    name: 'payments_fulfilments_total',
    help: 'Fulfilments written',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  // Business metrics (docs/observability.md): labels are enums only (method: WOMPI_PAYMENT_METHOD_TYPES | none | OTHER; status: PaymentStatus)
  readonly paymentsCreated = new Counter({
    name: 'payments_created_total',
    help: 'Payments created through POST /v1/transactions, by method and the status Wompi answered',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });
  readonly paymentsFinished = new Counter({
    name: 'payments_finished_total',
    help: 'Payments reaching their first final status, by method and that status',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });
  readonly paymentsAmount = new Counter({
    name: 'payments_amount_cop_cents_total',
    help: 'Amounts of payments reaching their first final status, in COP cents, by method and status',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });
  readonly webhookToApplied = new Histogram({
    name: 'payments_webhook_to_applied_seconds',
    help: 'From a webhook event stored in the inbox to the payment change it carried committed',
    labelNames: ['method'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  readonly createToFinal = new Histogram({
    name: 'payments_create_to_final_seconds',
    help: 'From a payment created to its first final status, by method and status',
    labelNames: ['method', 'status'] as const,
    buckets: [1, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 14_400, 86_400],
    registers: [this.registry],
  });
  readonly oldestPending = new Gauge({
    name: 'payments_oldest_pending_age_seconds',
    help: 'Age of the oldest PENDING payment, by method (no sample: none pending)',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly webhookLastReceived = new Gauge({
    name: 'webhook_last_received_timestamp_seconds',
    help: 'Unix time this process last stored a verified webhook delivery',
    registers: [this.registry],
  });
  readonly inboxRows = new Gauge({
    name: 'webhook_inbox_rows',
    help: 'Webhook inbox rows not settled (RECEIVED, FAILED, UNCONFIRMED) and DEAD, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly outboxPending = new Gauge({
    name: 'outbox_pending',
    help: 'Outbox rows waiting to be published',
    registers: [this.registry],
  });
  readonly outboxDead = new Gauge({
    name: 'outbox_dead',
    help: 'Outbox rows parked as dead',
    registers: [this.registry],
  });
  readonly outboxPublished = new Counter({
    name: 'outbox_published_total',
    help: 'Outbox rows published with a broker confirm',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  /** Read at scrape time through the queue port (see `observeQueues`); nothing runs between scrapes. */
  readonly queueDepth = new Gauge({
    name: 'payments_queue_depth',
    help: 'Jobs waiting to be taken by a worker, per queue (delayed jobs not counted); no sample when the queue store does not answer in time',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: () => this.collectQueueDepth(),
  });
  private queues?: { port: Pick<JobQueue, 'counts'>; timeoutMs: number };

  /** trigger: daily | manual; outcome: completed | failed */
  readonly reconciliationRuns = new Counter({
    name: 'payments_reconciliation_runs_total',
    help: 'Reconciliation runs finished, by trigger and outcome',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [this.registry],
  });
  /** kind: DISCREPANCY_KINDS (a fixed set); resolution: healed | reported */
  readonly reconciliationDiscrepancies = new Counter({
    name: 'payments_reconciliation_discrepancies_total',
    help: 'Discrepancies found by reconciliation runs, by kind and resolution',
    labelNames: ['kind', 'resolution'] as const,
    registers: [this.registry],
  });
  /** Read from the database at scrape time (`observeReconciliation`), so a restart does not look like a missed run. */
  readonly reconciliationLastSuccess = new Gauge({
    name: 'payments_reconciliation_last_success_timestamp_seconds',
    help: 'When the last reconciliation run completed (unix seconds); no sample before the first one or when the database does not answer',
    registers: [this.registry],
    collect: () => this.collectReconciliation(),
  });
  /** Set by the same read as the timestamp (prom-client collects gauges concurrently, so both share one read per scrape). */
  readonly reconciliationUnhealed = new Gauge({
    name: 'payments_reconciliation_unhealed_discrepancies',
    help: 'Reported (unhealed) discrepancies of the latest completed reconciliation run',
    registers: [this.registry],
    collect: () => this.collectReconciliation(),
  });
  private reconciliationRead?: Promise<void>;
  private reconciliation?: () => Promise<{ lastSuccessAt: Date | null; unhealed: number }>;

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
  }

  /** From now on every scrape reads `payments_queue_depth` from this queue port (QueueModule calls it). */
  observeQueues(port: Pick<JobQueue, 'counts'>, timeoutMs = QUEUE_DEPTH_TIMEOUT_MS): void {
    this.queues = { port, timeoutMs };
  }

  /** From now on every scrape reads the reconciliation gauges through `read` (the reconciliation module calls it). */
  observeReconciliation(read: () => Promise<{ lastSuccessAt: Date | null; unhealed: number }>): void {
    this.reconciliation = read;
  }

  private collectReconciliation(): Promise<void> {
    this.reconciliationRead ??= this.readReconciliation().finally(() => (this.reconciliationRead = undefined));
    return this.reconciliationRead;
  }

  private async readReconciliation(): Promise<void> {
    if (!this.reconciliation) {
      this.reconciliationLastSuccess.remove({});
      this.reconciliationUnhealed.remove({});
      return;
    }
    try {
      const r = await bounded(this.reconciliation(), QUEUE_DEPTH_TIMEOUT_MS);
      if (r.lastSuccessAt) this.reconciliationLastSuccess.set(r.lastSuccessAt.getTime() / 1000);
      else this.reconciliationLastSuccess.remove({});
      this.reconciliationUnhealed.set(r.unhealed);
    } catch {
      // no sample rather than a stale one (a 0 would read as "never ran" and page someone)
      this.reconciliationLastSuccess.remove({});
      this.reconciliationUnhealed.remove({});
    }
  }

  /**
   * One bounded read per queue, in parallel. A queue that cannot be read (store down, timeout)
   * loses its sample rather than keep a stale number, and never fails the scrape.
   */
  private async collectQueueDepth(): Promise<void> {
    const q = this.queues;
    if (!q) return;
    await Promise.all(
      (Object.values(QUEUES) as QueueName[]).map(async (queue) => {
        try {
          this.queueDepth.set({ queue }, (await bounded(q.port.counts(queue, q.timeoutMs), q.timeoutMs)).waiting);
        } catch {
          this.queueDepth.remove({ queue });
        }
      }),
    );
  }
}
