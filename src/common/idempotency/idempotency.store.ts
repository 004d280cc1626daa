import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ClaimRequest {
  caller: string;
  key: string;
  requestHash: string;
  method: string;
  path: string;
  ttlHours: number;
  leaseSeconds: number;
}

/** Proves ownership of an IN_FLIGHT claim (its `locked_until`, exactly as stored). */
export interface ClaimToken {
  caller: string;
  key: string;
  lockedUntil: string;
}

export type ClaimResult =
  /** this request owns the key now; `takenOver` when a crashed holder's lease had run out */
  | { kind: 'claimed'; token: ClaimToken; takenOver: boolean }
  | { kind: 'completed'; status: number; body: unknown }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

const CLAIM_SQL = `
  insert into idempotency_keys as k (caller, key, request_hash, method, path, state, locked_until, expires_at)
  values ($1, $2, $3, $4, $5, 'IN_FLIGHT', now() + make_interval(secs => $6), now() + make_interval(hours => $7))
  on conflict (caller, key) do update
     set request_hash = excluded.request_hash, method = excluded.method, path = excluded.path,
         state = 'IN_FLIGHT', response_status = null, response_body = null, resource_id = null,
         locked_until = excluded.locked_until, expires_at = excluded.expires_at, created_at = now()
   where k.expires_at <= now()
      or (k.state = 'IN_FLIGHT' and k.locked_until <= now() and k.request_hash = excluded.request_hash)
  returning k.locked_until::text as locked_until, (k.xmax = 0) as inserted`;

/**
 * Idempotency-Key records in Postgres. The primary key (caller, key) is the lock: exactly one
 * request wins the insert. An expired record, or an IN_FLIGHT one whose holder's lease ran out
 * (the process died), is taken over atomically in the same statement.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    // A record deleted between our insert and our read (its holder released it) is retried.
    for (let i = 0; i < 5; i++) {
      const rows: { locked_until: string; inserted: boolean }[] = await this.dataSource.query(CLAIM_SQL, [
        req.caller,
        req.key,
        req.requestHash,
        req.method,
        req.path.slice(0, 255),
        req.leaseSeconds,
        req.ttlHours,
      ]);
      if (rows.length) {
        return {
          kind: 'claimed',
          token: { caller: req.caller, key: req.key, lockedUntil: rows[0].locked_until },
          takenOver: !rows[0].inserted,
        };
      }
      const existing: {
        request_hash: string;
        state: string;
        response_status: number | null;
        response_body: unknown;
      }[] = await this.dataSource.query(
        `select request_hash, state, response_status, response_body from idempotency_keys where caller = $1 and key = $2 and expires_at > now()`,
        [req.caller, req.key],
      );
      if (!existing.length) continue;
      const row = existing[0];
      if (row.request_hash !== req.requestHash) return { kind: 'mismatch' };
      if (row.state === 'COMPLETED' && row.response_status !== null)
        return { kind: 'completed', status: row.response_status, body: row.response_body };
      return { kind: 'in_flight' };
    }
    return { kind: 'in_flight' };
  }

  /** Stores the response; false when the claim was lost (lease ran out and someone took over). */
  async complete(token: ClaimToken, status: number, body: unknown, resourceId: string | null): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `update idempotency_keys
          set state = 'COMPLETED', response_status = $4, response_body = $5::json, resource_id = $6, locked_until = null
        where caller = $1 and key = $2 and state = 'IN_FLIGHT' and locked_until = $3::timestamptz`,
      [token.caller, token.key, token.lockedUntil, status, JSON.stringify(body ?? null), resourceId],
    )) as [unknown, number];
    return affected > 0;
  }

  /** Forgets the claim so the client may retry (server-side failure, nothing to replay). */
  async release(token: ClaimToken): Promise<void> {
    await this.dataSource.query(
      `delete from idempotency_keys where caller = $1 and key = $2 and state = 'IN_FLIGHT' and locked_until = $3::timestamptz`,
      [token.caller, token.key, token.lockedUntil],
    );
  }

  /** Deletes up to `batch` expired records; returns how many. */
  async purgeExpired(batch: number): Promise<number> {
    const [, affected] = (await this.dataSource.query(
      `delete from idempotency_keys
        where (caller, key) in (select caller, key from idempotency_keys where expires_at < now() order by expires_at limit $1)`,
      [batch],
    )) as [unknown, number];
    return affected;
  }
}
