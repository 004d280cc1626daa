/* Problem+json answers (RFC 9457) of the payments service, as typed exceptions. */
import type { components } from './schema';

/** The body of every error answer of the service. */
export type Problem = components['schemas']['ProblemResponse'];
/** The service's stable error codes (`Problem.code`). */
export type ProblemCode = NonNullable<Problem['code']>;

/** Which family an error belongs to: what a caller usually branches on. */
export type PaymentsErrorKind =
  | 'validation' // 400, 413, 415, and 422 GATEWAY_REJECTED: fix the request (see `errors`)
  | 'auth' // 401 (key missing or unknown), 403 (not an operator)
  | 'not_found' // 404
  | 'conflict' // 409 (state, reference, amount, key in flight), 422 IDEMPOTENCY_KEY_MISMATCH
  | 'rate_limited' // 429: wait `retryAfterSeconds`
  | 'upstream' // 5xx: Wompi or a dependency failed; 502/503/504 with the same Idempotency-Key are safe to retry
  | 'other';

export interface PaymentsApiErrorInit {
  status: number;
  problem: Problem | undefined;
  /** the Retry-After header, in seconds, if any */
  retryAfterSeconds?: number;
  method: string;
  url: string;
  /** the Idempotency-Key the request was sent with: retry with the same one */
  idempotencyKey?: string;
}

/** Any non-2xx answer of the service. Subclasses by family; `kind` says the same as a string. */
export class PaymentsApiError extends Error {
  readonly kind: PaymentsErrorKind = 'other';
  readonly status: number;
  /** the problem type URI (`about:blank` when the body was not problem+json) */
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly code: ProblemCode | undefined;
  /** field (dotted path, or a header name) → messages */
  readonly errors: Record<string, string[]>;
  /** on 5xx: quote it to the operators */
  readonly errorId: string | undefined;
  /** seconds to wait before retrying (Retry-After header, else the problem's retry_after_seconds) */
  readonly retryAfterSeconds: number | undefined;
  readonly idempotencyKey: string | undefined;
  readonly method: string;
  readonly url: string;
  /** the problem body as received */
  readonly problem: Problem | undefined;

  constructor(init: PaymentsApiErrorInit) {
    const p = init.problem;
    super(`${init.method} ${init.url}: ${init.status} ${p?.title ?? 'error'}${p?.detail ? ` — ${p.detail}` : ''}`);
    this.name = new.target.name;
    this.status = init.status;
    this.type = p?.type ?? 'about:blank';
    this.title = p?.title ?? `HTTP ${init.status}`;
    this.detail = p?.detail;
    this.code = p?.code;
    this.errors = p?.errors ?? {};
    this.errorId = p?.error_id;
    this.retryAfterSeconds = init.retryAfterSeconds ?? p?.retry_after_seconds;
    this.idempotencyKey = init.idempotencyKey;
    this.method = init.method;
    this.url = init.url;
    this.problem = p;
  }

  /** Messages for one field (`'amount_in_cents'`, `'payment_method.token'`, `'Idempotency-Key'`…). */
  field(name: string): string[] {
    return this.errors[name] ?? [];
  }

  /** Whether sending the same request again (same Idempotency-Key) may succeed. */
  get retryable(): boolean {
    return false;
  }
}

/** 400, 413, 415, or 422 GATEWAY_REJECTED (Wompi refused the input): `errors` names the fields. */
export class PaymentsValidationError extends PaymentsApiError {
  override readonly kind = 'validation' as const;
}

/** 401 (no key, or not ours) or 403 (this caller is not an operator). */
export class PaymentsAuthError extends PaymentsApiError {
  override readonly kind = 'auth' as const;
}

export class PaymentsNotFoundError extends PaymentsApiError {
  override readonly kind = 'not_found' as const;
}

/**
 * 409 (IDEMPOTENCY_KEY_IN_FLIGHT, INVALID_STATE, REFERENCE_IN_USE, AMOUNT_MISMATCH) or 422
 * IDEMPOTENCY_KEY_MISMATCH (the key was used with another body: a bug in the caller).
 */
export class PaymentsConflictError extends PaymentsApiError {
  override readonly kind = 'conflict' as const;
  override get retryable(): boolean {
    return this.code === 'IDEMPOTENCY_KEY_IN_FLIGHT';
  }
}

/** 429: a rate limit of the service; wait `retryAfterSeconds`. */
export class PaymentsRateLimitedError extends PaymentsApiError {
  override readonly kind = 'rate_limited' as const;
  override get retryable(): boolean {
    return true;
  }
}

/**
 * 5xx: 502 (Wompi refused our credentials or answered nonsense), 503 (Wompi unavailable, breaker
 * open, or our Postgres/Redis down; Retry-After), 504 (Wompi timed out), 500 (a bug: `errorId`).
 */
export class PaymentsUpstreamError extends PaymentsApiError {
  override readonly kind = 'upstream' as const;
  override get retryable(): boolean {
    return this.status === 503 || this.status === 504;
  }
}

/** The typed exception for a non-2xx answer. */
export function toPaymentsError(init: PaymentsApiErrorInit): PaymentsApiError {
  const { status } = init;
  const code = init.problem?.code;
  if (status === 400 || status === 413 || status === 415) return new PaymentsValidationError(init);
  if (status === 422) {
    return code === 'IDEMPOTENCY_KEY_MISMATCH' ? new PaymentsConflictError(init) : new PaymentsValidationError(init);
  }
  if (status === 401 || status === 403) return new PaymentsAuthError(init);
  if (status === 404) return new PaymentsNotFoundError(init);
  if (status === 409) return new PaymentsConflictError(init);
  if (status === 429) return new PaymentsRateLimitedError(init);
  if (status >= 500) return new PaymentsUpstreamError(init);
  return new PaymentsApiError(init);
}
