import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { EventBus, isBusOutage } from './event-bus.port';
import { describeError, PublishableRow, toBusMessage } from './outbox-message';
import { OutboxSignal } from './outbox-signal';
import { contextFrom, inSpan, SpanKind } from '../tracing/trace-context';

interface ClaimedRow extends PublishableRow {
  aggregateId: string;
  eventType: string;
  attempts: number;
}

export interface RelayRound {
  claimed: number;
  sent: number;
  failed: number;
  dead: number;
  /** every failure of the round was a broker outage */
  outage: boolean;
  /** a sent row's payment has a later PENDING row, eligible now */
  heldBehind: boolean;
}

/**
 * Claims due rows and leases them in one statement (committed before any broker call):
 * PENDING, due now, in id order, skipping rows another relay holds (SKIP LOCKED) and any
 * row whose payment has an earlier row not yet SENT, so events of one payment leave in
 * order and a DEAD row holds back the later rows of its payment until an operator
 * retries it. `attempts` counts publish tries, so a row that crashes its relay still ends.
 * A row written with a later `next_attempt_at` is held until then (a buyer-retryable failure);
 * one SUPERSEDED before it was claimed never leaves and holds nothing back.
 */
const CLAIM_SQL = `
  with due as (
    select o.id from outbox o
    where o.status = 'PENDING' and o.next_attempt_at <= now()
      and not exists (
        select 1 from outbox e
        where e.aggregate_id = o.aggregate_id and e.id < o.id and e.status not in ('SENT', 'SUPERSEDED'))
    order by o.id
    limit $1
    for update of o skip locked
  )
  update outbox o
     set next_attempt_at = clock_timestamp() + $2::int * interval '1 millisecond',
         attempts = o.attempts + 1
    from due
   where o.id = due.id
  returning o.id::text as id, o.event_id as "eventId", o.aggregate_id as "aggregateId",
            o.event_type as "eventType", o.routing_key as "routingKey", o.payload, o.attempts`;

/**
 * Marks the confirmed rows SENT and says whether any of their payments still has a later
 * PENDING row (held back behind the one just sent, and now eligible): only then is another
 * claim worth its round trip at once.
 */
const MARK_SENT_SQL = `
  with sent as (
    update outbox set status = 'SENT', sent_at = now(), last_error = null
     where id = any($1::bigint[]) and status = 'PENDING'
    returning id, aggregate_id)
  select exists (
    select 1 from sent s join outbox e on e.aggregate_id = s.aggregate_id and e.id > s.id and e.status = 'PENDING'
     where e.id <> all($1::bigint[])) as "heldBehind"`;

/** Outages back off and stay PENDING forever; refusals count towards DEAD. */
const MARK_FAILED_SQL = `
  update outbox o
     set status = case when f.outage or o.attempts < $1 then 'PENDING' else 'DEAD' end,
         next_attempt_at = clock_timestamp()
           + least($3::bigint, $2::bigint * power(2, least(greatest(o.attempts, 1) - 1, 30))::bigint) * interval '1 millisecond',
         last_error = f.err
    from unnest($4::bigint[], $5::text[], $6::boolean[]) as f(id, err, outage)
   where o.id = f.id and o.status = 'PENDING'
  returning o.id::text as id, o.status, o.event_id as "eventId", o.event_type as "eventType",
            o.aggregate_id as "aggregateId", o.attempts, o.last_error as "lastError"`;

const GAUGES_SQL = `
  select (select count(*) from outbox where status = 'PENDING')::int as pending,
         (select count(*) from outbox where status = 'DEAD')::int as dead`;

const GAUGE_REFRESH_MS = 5000;
const OUTAGE_LOG_EVERY_MS = 60_000;

/** TypeORM answers UPDATE … RETURNING with `[rows, rowCount]` and SELECT with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}

/**
 * The transactional outbox relay (worker role): publishes committed outbox rows to the bus
 * and marks them SENT only after the broker confirmed. At-least-once: a relay that dies
 * between the confirm and the mark leaves the lease to expire and the row is published
 * again with the same CloudEvent id, which consumers dedupe on.
 */
export class OutboxRelay {
  private readonly logger = new Logger('OutboxRelay');
  private running?: Promise<void>;
  private stopping = false;
  private lastGauges = 0;
  private outagePauseMs = 0;
  private lastOutageLog = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly options: OutboxConfig,
    private readonly metrics?: Metrics,
    private readonly signal: OutboxSignal = new OutboxSignal(),
  ) {}

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** Stops claiming; waits for the round in flight (its publishes are bounded by their timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.nudge();
    await this.running;
    this.running = undefined;
  }

  /** One claim → publish → mark round. Public for tests and the benchmark. */
  async runOnce(): Promise<RelayRound> {
    const rows = rowsOf<ClaimedRow>(
      await this.dataSource.query(CLAIM_SQL, [this.options.batchSize, this.options.leaseMs]),
    );
    const round: RelayRound = { claimed: rows.length, sent: 0, failed: 0, dead: 0, outage: false, heldBehind: false };
    if (rows.length === 0) return round;

    // each publish continues the trace its event carries (stamped when the outbox row was written)
    const publish = (row: ClaimedRow) =>
      inSpan(
        `${row.routingKey} publish`,
        {
          kind: SpanKind.PRODUCER,
          parent: contextFrom(row.payload),
          attributes: {
            'messaging.system': 'rabbitmq',
            'messaging.destination.name': row.routingKey,
            'messaging.message.id': row.eventId,
            'cloudevents.event_id': row.eventId,
            'cloudevents.event_type': row.eventType,
            'outbox.attempt': row.attempts,
          },
        },
        () => this.bus.publish([toBusMessage(row)]),
      );
    const results = await Promise.allSettled(rows.map(publish));
    const sent: ClaimedRow[] = [];
    const failed: { row: ClaimedRow; err: unknown }[] = [];
    results.forEach((r, i) =>
      r.status === 'fulfilled' ? sent.push(rows[i]) : failed.push({ row: rows[i], err: r.reason }),
    );

    if (sent.length) {
      if (this.lastOutageLog) {
        this.lastOutageLog = 0;
        this.logger.log({ sent: sent.length }, 'broker reachable again; outbox draining');
      }
      const [mark] = (await this.dataSource.query(MARK_SENT_SQL, [sent.map((r) => r.id)])) as { heldBehind: boolean }[];
      round.heldBehind = mark?.heldBehind === true;
      for (const r of sent) this.metrics?.outboxPublished.inc({ type: r.eventType });
      round.sent = sent.length;
    }
    if (failed.length) {
      const outages = failed.map((f) => isBusOutage(f.err));
      const updated = rowsOf<{
        id: string;
        status: string;
        eventId: string;
        eventType: string;
        aggregateId: string;
        attempts: number;
        lastError: string;
      }>(
        await this.dataSource.query(MARK_FAILED_SQL, [
          this.options.maxAttempts,
          this.options.retryBaseMs,
          this.options.retryMaxMs,
          failed.map((f) => f.row.id),
          failed.map((f) => describeError(f.err)),
          outages,
        ]),
      );
      for (const d of updated.filter((u) => u.status === 'DEAD')) {
        round.dead++;
        this.logger.error(
          {
            outbox_id: d.id,
            event_id: d.eventId,
            type: d.eventType,
            payment_id: d.aggregateId,
            attempts: d.attempts,
            last_error: d.lastError,
          },
          'outbox event parked as DEAD after repeated publish failures; later events of this payment wait (POST /v1/outbox/:id/retry)',
        );
      }
      round.failed = failed.length;
      round.outage = outages.every(Boolean);
      // a long outage would log every round: say it once a minute
      if (!round.outage || Date.now() - this.lastOutageLog > OUTAGE_LOG_EVERY_MS) {
        if (round.outage) this.lastOutageLog = Date.now();
        this.logger.warn(
          { failed: failed.length, sent: sent.length, outage: round.outage, first_error: describeError(failed[0].err) },
          round.outage
            ? 'broker unreachable; outbox rows wait and are retried'
            : 'outbox publish failed; rows will be retried',
        );
      }
      if (round.dead) this.lastGauges = 0;
    }
    return round;
  }

  /** Refreshes outbox_pending / outbox_dead. */
  async refreshGauges(): Promise<{ pending: number; dead: number }> {
    const [g] = (await this.dataSource.query(GAUGES_SQL)) as { pending: number; dead: number }[];
    this.metrics?.outboxPending.set(g.pending);
    this.metrics?.outboxDead.set(g.dead);
    this.lastGauges = Date.now();
    return g;
  }

  private async loop(): Promise<void> {
    let dbFailures = 0;
    while (!this.stopping) {
      let again = false;
      try {
        const round = await this.runOnce();
        dbFailures = 0;
        if (round.outage) {
          // the broker is down: stop hammering it (and the rows' attempts) until it may be back
          this.outagePauseMs = Math.min(this.options.retryMaxMs, Math.max(this.options.pollMs, this.outagePauseMs * 2));
          await this.signal.wait(this.outagePauseMs);
          continue;
        }
        this.outagePauseMs = 0;
        // claim again at once only when that can find something: a full batch (more may be due),
        // a sent row's payment with a later row now eligible, or a failure; rows committed
        // meanwhile nudged the signal, so the wait below returns at once for them
        again = round.claimed >= this.options.batchSize || round.heldBehind || round.failed > 0;
      } catch (err) {
        dbFailures++;
        if (dbFailures === 1 || dbFailures % 20 === 0)
          this.logger.warn(
            { err: describeError(err), failures: dbFailures },
            'outbox relay round failed (database?); retrying',
          );
        await this.signal.wait(Math.min(this.options.retryMaxMs, this.options.pollMs * 2 ** Math.min(dbFailures, 6)));
        continue;
      }
      if (Date.now() - this.lastGauges > GAUGE_REFRESH_MS) await this.refreshGauges().catch(() => undefined);
      if (!again && !this.stopping) await this.signal.wait(this.options.pollMs);
    }
  }
}
