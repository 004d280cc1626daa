import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { Metrics } from '../metrics/metrics';
import { currentCarrier, incoming, inSpan } from '../tracing/trace-context';
import { checkSignedProperties } from '../wompi/signed-properties';
import { verifyEventChecksum } from '../wompi/signatures';
import { eventKeyOf, EventEnvelope, isKnownEventType, parseEnvelope } from './event-envelope';
import { InboxSignal } from './inbox-relay';
import { InboxStore } from './inbox.store';
import { RejectionLog, RejectionReason } from './rejection-log';
import { InboxStatus } from './webhook-inbox.entity';

/** Wompi redelivers up to 24 h later, so age is never a reason to refuse; only clocks far ahead are. */
export const MAX_FUTURE_SKEW_S = 3600;
const REJECTION_LOG_WINDOW_MS = 30_000;
/** Unsettled rows a redelivery re-enqueues with a fresh job (RECEIVED reuses its first job id). */
const REDELIVER_STATUSES: readonly InboxStatus[] = ['FAILED', 'UNCONFIRMED'];

export interface Delivery {
  /** the bytes Wompi sent (UTF-8 JSON) */
  rawBody: Buffer | undefined;
  /** the parsed body */
  body: unknown;
  headerChecksum: string | undefined;
  /** the request's id, for the one log line of a stored event */
  requestId?: string;
  /** the request's headers: an incoming W3C `traceparent`/`tracestate` is continued */
  headers?: Record<string, unknown>;
}

export interface IngestOutcome {
  inboxId: string;
  status: InboxStatus;
  duplicate: boolean;
  /** left for the worker's relay to enqueue (or the sweeper): new, or a redelivery of an unsettled row */
  enqueued: boolean;
}

/**
 * The ingress pipeline: shape → checksum → environment → clock → key → signed properties
 * (src/wompi/signed-properties.ts) → one insert → one enqueue.
 * Nothing is stored unless the event verified; once stored, the answer is 200 whatever the
 * queue does (the sweeper re-enqueues).
 */
@Injectable()
export class WebhookIngestService {
  private readonly logger = new Logger('Webhooks');
  private readonly rejections: RejectionLog;

  constructor(
    private readonly config: AppConfig,
    private readonly store: InboxStore,
    private readonly relaySignal: InboxSignal,
    private readonly metrics: Metrics,
  ) {
    this.rejections = new RejectionLog(REJECTION_LOG_WINDOW_MS, (s) =>
      this.logger.warn({ rejected: s.counts, total: s.total, window_s: s.window_s }, 'webhook deliveries rejected'),
    );
  }

  /** One span per delivery (`webhook.receive`), continuing the caller's trace when it sent one. */
  ingest(delivery: Delivery, nowMs = Date.now()): Promise<IngestOutcome> {
    return inSpan(
      'webhook.receive',
      { ...incoming(delivery.headers), attributes: { 'http.route': '/v1/webhooks/wompi' } },
      (span) =>
        this.ingestInSpan(delivery, nowMs).then((o) => {
          span.setAttributes({
            'webhook.inbox_id': o.inboxId,
            'webhook.inbox_status': o.status,
            'webhook.duplicate': o.duplicate,
          });
          return o;
        }),
    );
  }

  private async ingestInSpan(delivery: Delivery, nowMs: number): Promise<IngestOutcome> {
    this.metrics.webhookReceived.inc();
    const envelope = this.verify(delivery, nowMs);
    const key = eventKeyOf(envelope);
    if (!key.ok)
      this.reject(
        'malformed',
        new DomainError('MALFORMED_EVENT', 'The event lacks the fields its type needs', key.errors),
      );
    // after the key check, so an event lacking a field is told which one (400), not that it is unsigned
    const coverage = checkSignedProperties(envelope.event, envelope.properties);
    if (!coverage.ok) {
      this.reject(
        'properties_incomplete',
        new DomainError(
          'INVALID_SIGNATURE',
          'The event checksum does not cover the fields this service acts on',
          { 'signature.properties': coverage.problems },
          { reason: 'properties_incomplete' },
        ),
      );
    }

    const known = isKnownEventType(envelope.event);
    // the delivery's trace context rides in the row to the worker's enqueue (the job's span continues it)
    const trace = currentCarrier();
    const row = await this.storeRow({
      eventKey: key.key,
      eventType: envelope.event,
      environment: envelope.environment,
      checksum: envelope.checksum,
      signedTimestamp: envelope.timestamp,
      sentAt: envelope.sentAt,
      rawBody: (delivery.rawBody ?? Buffer.from(JSON.stringify(delivery.body))).toString('utf8'),
      status: known ? 'RECEIVED' : 'IGNORED',
      trace,
    });
    if (!row.inserted) this.metrics.webhookDuplicates.inc();
    this.metrics.webhookLastReceived.set(nowMs / 1000);

    // A redelivery re-enqueues while the row is not settled. RECEIVED: the first job id, a
    // no-op while that job exists. FAILED/UNCONFIRMED (e.g. Wompi had not confirmed it yet):
    // a fresh job per delivery, run now rather than after the backoff — Wompi sending it again
    // is the moment it most likely agrees. Settled rows (PROCESSED/IGNORED/DEAD) are only counted.
    // The row is the durable queue entry: the worker's relay hands it to Bull (the upsert left
    // `enqueued_at` null for it); this process's relay, if it runs one (ROLE=all), is woken now.
    // (job ids: inboxJobId.first for a RECEIVED row, inboxJobId.redelivery for the others)
    const handed = row.status === 'RECEIVED' || (!row.inserted && REDELIVER_STATUSES.includes(row.status));
    if (handed) {
      this.relaySignal.nudge();
      if (row.status !== 'RECEIVED')
        this.logger.log(
          {
            inbox_id: row.id,
            event_key: key.key,
            status: row.status,
            delivery_count: row.deliveryCount,
            request_id: delivery.requestId,
          },
          'redelivery of an unsettled webhook event re-enqueued',
        );
    }
    if (row.inserted)
      this.logger.log(
        {
          inbox_id: row.id,
          event_type: envelope.event,
          event_key: key.key,
          status: row.status,
          request_id: delivery.requestId,
        },
        'webhook event stored',
      );
    return { inboxId: row.id, status: row.status, duplicate: !row.inserted, enqueued: handed };
  }

  private verify(delivery: Delivery, nowMs: number): EventEnvelope {
    const parsed = parseEnvelope(delivery.body, delivery.headerChecksum);
    if (!parsed.ok)
      this.reject(
        'malformed',
        new DomainError('MALFORMED_EVENT', 'The event envelope is missing or has invalid fields', parsed.errors),
      );
    const envelope = parsed.envelope;

    const verdict = verifyEventChecksum(
      {
        data: envelope.data,
        timestamp: envelope.timestamp,
        signature: { properties: envelope.properties, checksum: envelope.checksum },
      },
      undefined,
      this.config.wompi.eventsSecrets,
    );
    if (!verdict.valid)
      this.reject(
        'bad_checksum',
        new DomainError('INVALID_SIGNATURE', 'The event checksum does not verify', undefined, {
          reason: 'bad_checksum',
        }),
      );
    this.metrics.webhookVerified.inc();

    if (envelope.environment !== this.config.wompi.environment) {
      this.reject(
        'environment_mismatch',
        new DomainError(
          'EVENT_REJECTED',
          `This service runs in the Wompi "${this.config.wompi.environment}" environment`,
          undefined,
          { reason: 'environment_mismatch' },
        ),
      );
    }
    if (envelope.timestamp > nowMs / 1000 + MAX_FUTURE_SKEW_S) {
      this.reject(
        'timestamp_in_future',
        new DomainError('EVENT_REJECTED', 'The event timestamp is more than an hour in the future', undefined, {
          reason: 'timestamp_in_future',
        }),
      );
    }
    return envelope;
  }

  private reject(reason: RejectionReason, error: DomainError): never {
    this.metrics.webhookRejected.inc({ reason });
    if (reason !== 'malformed') this.rejections.note(reason);
    throw error;
  }

  private storeRow(row: Parameters<InboxStore['upsert']>[0]) {
    return inSpan('webhook.inbox_insert', { attributes: { 'webhook.event_type': row.eventType } }, async (span) => {
      try {
        const stored = await this.store.upsert(row);
        span.setAttributes({ 'webhook.inbox_id': stored.id, 'webhook.inserted': stored.inserted });
        return stored;
      } catch (err) {
        throw classifyStoreError(err);
      }
    });
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const UNREACHABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|connection error|not queryable|terminating connection|the database system is (starting up|shutting down)/i;

/**
 * Postgres unreachable → 503 so Wompi retries; a value Postgres refuses (SQLSTATE class 22, e.g.
 * `\u0000` in jsonb) → 400; anything else stays an unexpected error (500 with an error_id).
 */
export function classifyStoreError(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown; driverError?: { code?: unknown; message?: unknown } };
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  const message = String(e?.driverError?.message ?? e?.message ?? '');
  if (code.startsWith('22'))
    return new DomainError('MALFORMED_EVENT', 'The event contains a value that cannot be stored', {
      body: ['contains a value Postgres refuses (e.g. a \\u0000 escape)'],
    });
  if (UNREACHABLE_CODES.has(code) || /^(08|53|57P)/.test(code) || UNREACHABLE_MESSAGE.test(message)) {
    return new DomainError('DEPENDENCY_UNAVAILABLE', 'The event store is unavailable; retry later', undefined, {
      retry_after_seconds: 30,
    });
  }
  return err;
}
