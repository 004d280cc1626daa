/**
 * The consumer's own database: its business state, its effects and its dedupe table, changed
 * together in ONE transaction per event. That transaction is the whole exactly-once story:
 * the event id is recorded if and only if the effect was committed, so a redelivery (of an
 * applied event) finds its id and does nothing, and a crash before COMMIT leaves no trace.
 */
import { Pool, PoolClient } from 'pg';
import { PaymentEvent, versionOf } from './envelope';

/**
 * Idempotent, so the sample can create it at start; a real team puts this in its migrations.
 *
 * - processed_events: one row per CloudEvent id ever handled (applied or found stale). The
 *   primary key is the dedupe. Keep rows at least as long as the service may redeliver
 *   (an outbox row can be re-published days later by an operator's retry): prune by age,
 *   generously, if at all.
 * - payment_states: this consumer's view of each payment, with the version last applied.
 * - payment_effects: stands for the consumer's business effect (fulfil the order, release
 *   stock, refund…). Deliberately no unique key: a double application would show as two rows.
 */
export const SCHEMA_SQL = `
  create table if not exists processed_events (
    event_id     uuid primary key,
    event_type   text not null,
    payment_id   uuid not null,
    outcome      text not null check (outcome in ('applied', 'stale')),
    processed_at timestamptz not null default now()
  );
  create table if not exists payment_states (
    payment_id      uuid primary key,
    reference       text not null,
    status          text not null,
    version         integer not null,
    amount_in_cents bigint not null,
    last_event_id   uuid not null,
    updated_at      timestamptz not null default now()
  );
  create table if not exists payment_effects (
    id         bigserial primary key,
    payment_id uuid not null,
    event_id   uuid not null,
    action     text not null,
    created_at timestamptz not null default now()
  );`;

/** What handling an event did. */
export type Outcome = 'applied' | 'duplicate' | 'stale';

/** The business effect of each status in this sample. */
const ACTION_BY_STATUS: Readonly<Record<string, string>> = {
  APPROVED: 'FULFIL_ORDER',
  VOIDED: 'CANCEL_ORDER',
  DECLINED: 'RELEASE_STOCK',
  ERROR: 'RELEASE_STOCK',
  EXPIRED: 'RELEASE_STOCK',
};

/** Points where tests simulate a crash (a hook that never returns, or throws). */
export interface StoreHooks {
  /** inside the transaction, after the effect was written, before COMMIT */
  beforeCommit?: (event: PaymentEvent) => Promise<void>;
}

interface StoreOptions extends StoreHooks {
  /** the consumer tracks the clients in a transaction, so a simulated crash can cut them */
  onCheckout?: (client: PoolClient) => void;
  onRelease?: (client: PoolClient) => void;
}

export class ConsumerStore {
  constructor(
    readonly pool: Pool,
    private readonly hooks: StoreOptions = {},
  ) {}

  async migrate(): Promise<void> {
    await this.pool.query(SCHEMA_SQL);
  }

  /** Dedupe, order check and effect in one transaction. Throws on any database failure (nothing committed). */
  async apply(event: PaymentEvent): Promise<Outcome> {
    const client = await this.pool.connect();
    this.hooks.onCheckout?.(client);
    let broken: Error | undefined;
    // pg emits 'error' on a checked-out client whose connection drops between queries; with no
    // listener that would crash the process. The next query fails anyway, which is what we want.
    const onError = (err: Error) => (broken ??= err);
    client.on('error', onError);
    try {
      await client.query('begin');
      const outcome = await this.applyIn(client, event);
      if (outcome === 'applied') await this.hooks.beforeCommit?.(event);
      // A COMMIT whose answer is lost (the connection drops) may have committed: we throw,
      // the message is requeued, and the redelivery finds its id — still applied once.
      await client.query('commit');
      return outcome;
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      // a client whose transaction failed may be in any state: destroy it rather than reuse it
      client.off('error', onError);
      this.hooks.onRelease?.(client);
      client.release(broken);
    }
  }

  private async applyIn(c: PoolClient, e: PaymentEvent): Promise<Outcome> {
    // 1. Dedupe. A concurrent transaction inserting the same id (the same event delivered to
    //    two consumers at once) makes this wait for it: if it commits we see a conflict, if
    //    it rolls back our insert goes ahead. Either way the event is applied once.
    const claimed = await c.query(
      `insert into processed_events (event_id, event_type, payment_id, outcome)
       values ($1, $2, $3, 'applied') on conflict (event_id) do nothing`,
      [e.id, e.type, e.data.id],
    );
    if (claimed.rowCount === 0) return 'duplicate';

    // 2. Order per payment: move the payment's state forward only if this event is newer than
    //    what was applied. The conditional upsert locks the payment's row, so two events of
    //    one payment handled at once are serialised here, whatever order they arrived in.
    const version = versionOf(e);
    const moved = await c.query(
      `insert into payment_states (payment_id, reference, status, version, amount_in_cents, last_event_id)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (payment_id) do update
          set status = excluded.status, version = excluded.version, amount_in_cents = excluded.amount_in_cents,
              last_event_id = excluded.last_event_id, updated_at = now()
        where payment_states.version < excluded.version`,
      [e.data.id, e.data.reference, e.data.status, version, e.data.amount_in_cents, e.id],
    );
    if (moved.rowCount === 0) {
      // An older event after a newer one (a requeue overtaken by a later event, two consumers,
      // an operator's re-publish): the newer snapshot already says more. Remember the id so a
      // redelivery of it is a plain duplicate, and do nothing else.
      await c.query(`update processed_events set outcome = 'stale' where event_id = $1`, [e.id]);
      return 'stale';
    }

    // 3. The business effect, in the same transaction.
    await c.query(`insert into payment_effects (payment_id, event_id, action) values ($1, $2, $3)`, [
      e.data.id,
      e.id,
      ACTION_BY_STATUS[e.data.status],
    ]);
    return 'applied';
  }
}
