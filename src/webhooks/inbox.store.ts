import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { InboxStatus } from './webhook-inbox.entity';
import { isStrictInstant } from '../common/http/validators';
import type { TraceCarrier } from '../tracing/trace-context';

export interface NewInboxRow {
  eventKey: string;
  eventType: string;
  environment: string;
  checksum: string;
  signedTimestamp: number;
  sentAt: Date | null;
  /** the body exactly as received; `payload` is the same text cast to jsonb */
  rawBody: string;
  status: Extract<InboxStatus, 'RECEIVED' | 'IGNORED'>;
  /** the delivery's W3C trace context, for the worker's enqueue (none when tracing is off) */
  trace?: TraceCarrier;
}

export interface InboxUpsert {
  id: string;
  status: InboxStatus;
  /** deliveries counted so far, this one included */
  deliveryCount: number;
  /** false: a redelivery collapsed onto an existing row */
  inserted: boolean;
}

/** A row the relay claimed, with what its job needs. */
export interface ClaimedForRelay {
  id: string;
  status: InboxStatus;
  deliveryCount: number;
  trace: TraceCarrier | null;
}

/** The operator view of a row: never the raw body or payload. */
export interface InboxRowView {
  id: string;
  event_key: string;
  event_type: string;
  status: InboxStatus;
  delivery_count: number;
  attempts: number;
  last_error: string | null;
  received_at: string;
  last_received_at: string;
  enqueued_at: string | null;
  processed_at: string | null;
}

export interface ListPage {
  rows: InboxRowView[];
  nextCursor: string | null;
}

interface CursorPosition {
  t: string;
  i: string;
}

/**
 * How long the sweeper keeps re-trying an UNCONFIRMED row (since it was first received):
 * Wompi's own delivery retries span 24 h, and the stale-PENDING poller settles the payment
 * itself meanwhile.
 */
export const UNCONFIRMED_RETRY_HOURS = 24;

/** How long a stored row is left to the worker's relay before the sweeper takes it (capped by the sweep bound). */
export const RELAY_GRACE_MS = 2000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

export function encodeCursor(p: CursorPosition): string {
  return Buffer.from(JSON.stringify(p), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition | undefined {
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPosition>;
    if (isStrictInstant(p.t) && p.t.endsWith('Z') && typeof p.i === 'string' && isUuid(p.i)) return { t: p.t, i: p.i };
  } catch {
    // fall through: not a cursor we issued
  }
  return undefined;
}

/**
 * What a redelivery does to an existing row besides counting it: a row not settled (RECEIVED,
 * FAILED, UNCONFIRMED) is handed to the relay again (`enqueued_at` cleared; the relay's job id
 * for a RECEIVED row is a no-op while its job exists, a FAILED/UNCONFIRMED row gets a job run
 * now) with this delivery's trace context; a settled row is only counted.
 */
const ON_REDELIVERY = `enqueued_at = case when webhook_inbox.status in ('RECEIVED', 'FAILED', 'UNCONFIRMED') then null else webhook_inbox.enqueued_at end,
        trace_context = case when webhook_inbox.status in ('RECEIVED', 'FAILED', 'UNCONFIRMED')
                             then coalesce(excluded.trace_context, webhook_inbox.trace_context) else webhook_inbox.trace_context end`;

const UPSERT_SQL = `insert into webhook_inbox (event_key, event_type, environment, checksum, signed_timestamp, sent_at, raw_body, payload, status, processed_at, trace_context)
  values ($1, $2, $3, $4, $5, $6, $7::text, $7::text::jsonb, $8::varchar, case when $8::varchar = 'IGNORED' then now() end, $9::jsonb)
  on conflict (event_key) do update
    set delivery_count = webhook_inbox.delivery_count + 1, last_received_at = now(),
        ${ON_REDELIVERY}
  returning id, status, delivery_count, (xmax = 0) as inserted`;

interface UpsertRow {
  id: string;
  status: InboxStatus;
  delivery_count: number;
  inserted: boolean;
}

/** Most deliveries one grouped statement carries. */
export const UPSERT_GROUP_MAX = 32;

/**
 * The grouped form of UPSERT_SQL for `n` distinct event keys (sorted, so two groups in flight
 * lock their rows in the same order and cannot deadlock): `$10` of each row is how many
 * deliveries of that key the group carries.
 */
function groupedUpsertSql(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const p = (k: number) => `$${i * 10 + k}`;
    return `(${p(1)}::varchar, ${p(2)}::varchar, ${p(3)}::varchar, ${p(4)}::varchar, ${p(5)}::bigint, ${p(6)}::timestamptz, ${p(7)}::text, ${p(7)}::text::jsonb, ${p(8)}::varchar, case when ${p(8)}::varchar = 'IGNORED' then now() end, ${p(9)}::jsonb, ${p(10)}::int)`;
  });
  return `insert into webhook_inbox (event_key, event_type, environment, checksum, signed_timestamp, sent_at, raw_body, payload, status, processed_at, trace_context, delivery_count)
  values ${rows.join(',\n    ')}
  on conflict (event_key) do update
    set delivery_count = webhook_inbox.delivery_count + excluded.delivery_count, last_received_at = now(),
        ${ON_REDELIVERY}
  returning id, event_key, status, delivery_count, (xmax = 0) as inserted`;
}
const groupedSql = new Map<number, string>();

interface Waiter {
  row: NewInboxRow;
  resolve: (u: InboxUpsert) => void;
  reject: (err: unknown) => void;
}

const upsertValues = (row: NewInboxRow): unknown[] => [
  row.eventKey,
  row.eventType,
  row.environment,
  row.checksum,
  String(row.signedTimestamp),
  row.sentAt,
  row.rawBody,
  row.status,
  row.trace ? JSON.stringify(row.trace) : null,
];

/**
 * A group failed on something one of its rows may cause alone (a value Postgres refuses, SQLSTATE
 * class 22) or on a transient conflict (deadlock / serialization): each row runs by itself, so
 * every delivery gets its own answer.
 */
const retryRowsAlone = (err: unknown): boolean => {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  return code.startsWith('22') || code === '40P01' || code === '40001';
};

const VIEW_COLUMNS = `id, event_key, event_type, status, delivery_count, attempts, last_error,
  received_at, last_received_at, enqueued_at, processed_at`;

type ViewRow = Omit<InboxRowView, 'received_at' | 'last_received_at' | 'enqueued_at' | 'processed_at'> & {
  received_at: Date;
  last_received_at: Date;
  enqueued_at: Date | null;
  processed_at: Date | null;
  cursor_t?: string;
};

function toView(r: ViewRow): InboxRowView {
  return {
    id: r.id,
    event_key: r.event_key,
    event_type: r.event_type,
    status: r.status,
    delivery_count: r.delivery_count,
    attempts: r.attempts,
    last_error: r.last_error,
    received_at: r.received_at.toISOString(),
    last_received_at: r.last_received_at.toISOString(),
    enqueued_at: r.enqueued_at?.toISOString() ?? null,
    processed_at: r.processed_at?.toISOString() ?? null,
  };
}

/**
 * SQL on webhook_inbox. Every write is a single statement, so concurrent deliveries and
 * several sweepers never race a read against a write.
 */
@Injectable()
export class InboxStore {
  constructor(private readonly db: DataSource) {}

  /** TypeORM returns `[rows, count]` for UPDATE/DELETE and `rows` otherwise. */
  private async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const out = (await this.db.query(sql, params)) as unknown;
    if (Array.isArray(out) && out.length === 2 && Array.isArray(out[0]) && typeof out[1] === 'number')
      return out[0] as T[];
    return out as T[];
  }

  private pool(): Pool | undefined {
    return (this.db.driver as PostgresDriver).master as Pool | undefined;
  }

  private queued: Waiter[] = [];
  private flushScheduled = false;

  /**
   * Insert, or count a redelivery on the existing row; resolves once the statement committed.
   * The hot path of the ingress, so it goes straight to the pg pool as named prepared statements
   * (parsed and planned once per connection), not through TypeORM's query runner. Group commit:
   * the deliveries that arrive in one turn of the event loop (concurrent requests) share one
   * statement — one round trip and one commit for all of them, every caller still answered only
   * after its row is durable; a lone delivery runs the single-row statement with no added wait.
   */
  upsert(row: NewInboxRow): Promise<InboxUpsert> {
    if (!this.pool()) return this.upsertOne(row);
    return new Promise<InboxUpsert>((resolve, reject) => {
      this.queued.push({ row, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flushQueued());
    });
  }

  private flushQueued(): void {
    this.flushScheduled = false;
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length; i += UPSERT_GROUP_MAX) {
      const group = queued.slice(i, i + UPSERT_GROUP_MAX);
      // nothing a group does may leave a caller waiting (settling twice is a no-op)
      this.upsertGroup(group).catch((err: unknown) => group.forEach((w) => w.reject(err)));
    }
  }

  /** The single-row statement. */
  private async upsertOne(row: NewInboxRow): Promise<InboxUpsert> {
    const values = upsertValues(row);
    const pool = this.pool();
    const r = pool
      ? (await pool.query<UpsertRow>({ name: 'inbox-upsert', text: UPSERT_SQL, values })).rows[0]
      : (await this.rows<UpsertRow>(UPSERT_SQL, values))[0];
    return { id: r.id, status: r.status, deliveryCount: Number(r.delivery_count), inserted: r.inserted };
  }

  /**
   * One statement for a group. Deliveries of the same event in one group collapse onto one row
   * of the statement that counts them all; in arrival order, the first is the insert (if the
   * row was new) and each one after it a redelivery with its own delivery count, as if they had
   * run one after the other.
   */
  private async upsertGroup(group: Waiter[]): Promise<void> {
    const settle = (w: Waiter, p: Promise<InboxUpsert>) => p.then(w.resolve, w.reject);
    if (group.length === 1) return settle(group[0], this.upsertOne(group[0].row));
    const byKey = new Map<string, Waiter[]>();
    for (const w of group) {
      const same = byKey.get(w.row.eventKey);
      if (same) same.push(w);
      else byKey.set(w.row.eventKey, [w]);
    }
    const keys = [...byKey.keys()].sort();
    const values: unknown[] = [];
    for (const k of keys) {
      const same = byKey.get(k)!;
      values.push(...upsertValues(same[0].row), same.length);
    }
    let text = groupedSql.get(keys.length);
    if (!text) groupedSql.set(keys.length, (text = groupedUpsertSql(keys.length)));
    let rows: (UpsertRow & { event_key: string })[];
    try {
      rows = (
        await this.pool()!.query<UpsertRow & { event_key: string }>({
          name: `inbox-upsert-${keys.length}`,
          text,
          values,
        })
      ).rows;
    } catch (err) {
      if (retryRowsAlone(err)) {
        for (const w of group) await settle(w, this.upsertOne(w.row));
      } else for (const w of group) w.reject(err);
      return;
    }
    const returned = new Map(rows.map((r) => [r.event_key, r]));
    for (const k of keys) {
      const same = byKey.get(k)!;
      const r = returned.get(k);
      if (!r) {
        for (const w of same) w.reject(new Error(`the grouped inbox upsert returned no row for a key`));
        continue;
      }
      const total = Number(r.delivery_count);
      same.forEach((w, j) =>
        w.resolve({
          id: r.id,
          status: r.status,
          deliveryCount: total - (same.length - 1 - j),
          inserted: r.inserted && j === 0,
        }),
      );
    }
  }

  /** Returns the stamp, or null when the row is gone. */
  async markEnqueued(id: string): Promise<Date | null> {
    const [r] = await this.rows<{ enqueued_at: Date }>(
      `update webhook_inbox set enqueued_at = now() where id = $1 returning enqueued_at`,
      [id],
    );
    return r?.enqueued_at ?? null;
  }

  /**
   * The relay's claim: stored rows nobody has handed to the queue yet (`enqueued_at` null:
   * new RECEIVED rows, and unsettled rows a redelivery handed back), oldest first, stamped
   * `enqueued_at` now in the same statement. SKIP LOCKED: it never waits on a row another
   * relay, the sweeper or an upsert holds (so it cannot join a lock cycle), and two workers'
   * relays never claim one row. A claimed row whose enqueue then fails is `unclaim`ed.
   */
  async claimUnenqueued(limit: number): Promise<ClaimedForRelay[]> {
    const text = `with c as (
        select id from webhook_inbox
         where enqueued_at is null and status in ('RECEIVED', 'FAILED', 'UNCONFIRMED')
         order by received_at
         limit $1
         for update skip locked)
      update webhook_inbox w set enqueued_at = now() from c where w.id = c.id
      returning w.id, w.status, w.delivery_count as "deliveryCount", w.trace_context as "trace"`;
    const pool = this.pool();
    return pool
      ? (await pool.query<ClaimedForRelay>({ name: 'inbox-relay-claim', text, values: [limit] })).rows
      : this.rows<ClaimedForRelay>(text, [limit]);
  }

  /**
   * Claims RECEIVED rows never enqueued (once older than the relay's grace: the ingress's relay
   * enqueues them right after the answer) or enqueued longer ago than `olderThanMs`, oldest
   * first, by stamping `enqueued_at` now; SKIP LOCKED keeps two workers' sweepers apart.
   * FAILED rows are being retried by their Bull job; one still FAILED ten bounds after its
   * last enqueue lost that job (Redis keeps nothing on disk: a restart forgets every job),
   * so it is claimed too. UNCONFIRMED rows (Wompi did not confirm their final status within a
   * job's retries) are claimed on the same ten-bound cadence while younger than
   * `UNCONFIRMED_RETRY_HOURS`; after that only a redelivery or an operator's replay retries them.
   * Returns each row's previous `enqueued_at` so a failed enqueue can be undone.
   */
  async claimDue(olderThanMs: number, limit: number): Promise<{ id: string; prev: Date | null }[]> {
    return this.rows(
      `with due as (
         select id, enqueued_at as prev from webhook_inbox
          where (status = 'RECEIVED' and ((enqueued_at is null and received_at < now() - make_interval(secs => $4::double precision / 1000))
                                          or enqueued_at < now() - make_interval(secs => $1::double precision / 1000)))
             or (status = 'FAILED' and (enqueued_at is null or enqueued_at < now() - make_interval(secs => $1::double precision / 100)))
             or (status = 'UNCONFIRMED' and received_at > now() - make_interval(hours => $3::int)
                 and (enqueued_at is null or enqueued_at < now() - make_interval(secs => $1::double precision / 100)))
          order by received_at
          limit $2
          for update skip locked
       ), claimed as (
         update webhook_inbox w set enqueued_at = now() from due where w.id = due.id returning w.id, due.prev
       )
       select id, prev from claimed`,
      [olderThanMs, limit, UNCONFIRMED_RETRY_HOURS, Math.min(olderThanMs, RELAY_GRACE_MS)],
    );
  }

  /** Undo a claim whose enqueue failed, so the next sweep retries it. */
  async unclaim(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `update webhook_inbox set enqueued_at = null where id = any($1::uuid[]) and status in ('RECEIVED', 'FAILED', 'UNCONFIRMED')`,
      [ids],
    );
  }

  /** Seconds since the oldest RECEIVED row arrived (0 when none). */
  async oldestReceivedAgeSeconds(): Promise<number> {
    const [r] = await this.rows<{ age: string | null }>(
      `select extract(epoch from now() - min(received_at))::text as age from webhook_inbox where status = 'RECEIVED'`,
    );
    return r?.age ? Math.max(0, Number(r.age)) : 0;
  }

  /** Newest first; the cursor is the (received_at, id) of the last row returned. */
  async list(q: { status?: InboxStatus; limit: number; after?: CursorPosition }): Promise<ListPage> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (q.status) {
      params.push(q.status);
      where.push(`status = $${params.length}`);
    }
    if (q.after) {
      params.push(q.after.t, q.after.i);
      where.push(`(received_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(q.limit + 1);
    const rows = await this.rows<ViewRow>(
      `select ${VIEW_COLUMNS}, to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_t
         from webhook_inbox ${where.length ? `where ${where.join(' and ')}` : ''}
        order by received_at desc, id desc
        limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(toView),
      nextCursor: rows.length > q.limit && last?.cursor_t ? encodeCursor({ t: last.cursor_t, i: last.id }) : null,
    };
  }

  /** Back to RECEIVED for an operator's replay; undefined when the id is unknown. */
  async resetForReplay(id: string): Promise<InboxRowView | undefined> {
    const [r] = await this.rows<ViewRow>(
      `with u as (
         update webhook_inbox set status = 'RECEIVED', enqueued_at = null, processed_at = null where id = $1
         returning ${VIEW_COLUMNS}
       ) select * from u`,
      [id],
    );
    return r ? toView(r) : undefined;
  }
}
