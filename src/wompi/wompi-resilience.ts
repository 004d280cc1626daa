/**
 * The resilience policies around every Wompi call, built from cockatiel:
 *
 *   retry (safe calls only) → bulkhead → circuit breaker (of the call's group) → timeout → one HTTP attempt
 *
 * Each HTTP attempt counts for the breaker, so a GET retried three times against a failing
 * Wompi contributes three failures. Only transient failures (`AttemptFailure`: 5xx, 429,
 * timeouts, network errors) count; Wompi's 4xx answers are the request's fault, not Wompi's.
 */
import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IBackoff,
  IBackoffFactory,
  IRetryBackoffContext,
  RetryPolicy,
  TimeoutPolicy,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
  timeout,
} from 'cockatiel';
import { WompiConfig } from '../config/app-config';

export type FailureKind = 'server_error' | 'rate_limited' | 'timeout' | 'network_error';

/** A transient failure of one HTTP attempt. Never leaves the adapter: it is mapped to a typed error. */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly details: {
      status?: number;
      retryAfterMs?: number;
      /** the request provably never left this process (connection refused, DNS failure…) */
      neverSent?: boolean;
      /** the call may be repeated (decided by the adapter from the call's safety) */
      retryable: boolean;
    },
  ) {
    super(message);
    this.name = 'AttemptFailure';
  }
}

/** Connection-phase errors: the request bytes were never written, so even a POST may be repeated. */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error code behind undici's `TypeError: fetch failed` (cause, or every cause of an AggregateError). */
export function networkErrorCode(err: unknown): { code: string; neverSent: boolean } {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const codeOf = (e: unknown) => {
    const c = (e as { code?: unknown })?.code;
    return typeof c === 'string' ? c : undefined;
  };
  const inner = (cause as { errors?: unknown })?.errors;
  if (Array.isArray(inner) && inner.length > 0) {
    const codes = inner.map(codeOf);
    const allNeverSent = codes.every((c) => c !== undefined && NEVER_SENT_CODES.has(c));
    return { code: codeOf(cause) ?? codes.find(Boolean) ?? 'UNKNOWN', neverSent: allNeverSent };
  }
  const code = codeOf(cause) ?? 'UNKNOWN';
  return { code, neverSent: NEVER_SENT_CODES.has(code) };
}

/** A `Retry-After` longer than this is not waited for in-process: the caller gets it back instead. */
export const MAX_HONOURED_RETRY_AFTER_MS = 10_000;

/** Exponential full-jitter backoff that never waits less than the server's `Retry-After`. */
class RetryAfterAwareBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(private readonly inner: IBackoffFactory<IRetryBackoffContext<unknown>>) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const step = this.inner.next(context);
    const reason = context.result;
    const retryAfter =
      'error' in reason && reason.error instanceof AttemptFailure ? (reason.error.details.retryAfterMs ?? 0) : 0;
    return { duration: Math.max(step.duration, retryAfter), next: (c) => new RetryAfterAwareBackoff(step).next(c) };
  }
}

export interface WompiPolicies {
  retry: RetryPolicy;
  bulkhead: BulkheadPolicy;
  timeout: TimeoutPolicy;
}

/** One breaker; the client keeps one per endpoint group (BREAKER_GROUPS). */
export function buildBreaker(cfg: WompiConfig): CircuitBreakerPolicy {
  return circuitBreaker(
    handleWhen((e) => e instanceof AttemptFailure),
    {
      halfOpenAfter: cfg.breakerCooldownMs,
      breaker: new ConsecutiveBreaker(cfg.breakerThreshold),
    },
  );
}

export function buildPolicies(cfg: WompiConfig): WompiPolicies {
  const retryable = handleWhen(
    (e) =>
      e instanceof AttemptFailure &&
      e.details.retryable &&
      (e.details.retryAfterMs ?? 0) <= MAX_HONOURED_RETRY_AFTER_MS,
  );
  return {
    retry: retry(retryable, {
      // cockatiel counts retries, the config counts tries
      maxAttempts: Math.max(0, cfg.retryAttempts - 1),
      backoff: new RetryAfterAwareBackoff(
        new ExponentialBackoff({
          generator: fullJitterGenerator,
          initialDelay: cfg.retryBaseDelayMs,
          exponent: 2,
          maxDelay: 30_000,
        }),
      ),
    }),
    // a queue as deep as the pool: a burst waits briefly instead of failing at once
    bulkhead: bulkhead(cfg.maxConcurrent, cfg.maxConcurrent),
    timeout: timeout(cfg.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: true }),
  };
}

export { CircuitState };
