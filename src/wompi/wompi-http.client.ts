/**
 * The transport under the Wompi adapter: one `call()` that sends a request through the
 * resilience policies, logs and counts every attempt, validates the answer and turns every
 * failure into one of the typed errors of ./wompi.errors.ts.
 */
import { Logger, LoggerService } from '@nestjs/common';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitBreakerPolicy,
  CircuitState,
  TaskCancelledError,
} from 'cockatiel';
import { context, propagation } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import { WompiConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { BREAKER_GROUPS, BreakerGroup, BreakerState } from './wompi-gateway.port';
import { mapWompiError, parseRetryAfter } from './wompi-error-mapping';
import { AttemptFailure, WompiPolicies, buildBreaker, buildPolicies, networkErrorCode } from './wompi-resilience';
import { ShapeError } from './wompi-response.validators';
import { FetchLike, NodeHttpTransport } from './wompi-transport';
import { inSpan, SpanKind } from '../tracing/trace-context';
import {
  GatewayAuthError,
  GatewayBadResponse,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayOutcomeUnknown,
  GatewayTimeout,
  GatewayUnavailable,
  GatewayValidationError,
} from './wompi.errors';

export type KeyKind = 'public' | 'private' | 'none';
export type { FetchLike } from './wompi-transport';

export interface CallSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** the real path, values included */
  path: string;
  /** the path template used in logs and metrics (no ids, keys or personal values) */
  route: string;
  key: KeyKind;
  /** the circuit breaker this call counts for and is refused by */
  group: BreakerGroup;
  headers?: Record<string, string>;
  body?: unknown;
  /** may be sent again after a transient failure: reads, and writes Wompi never received */
  safeToRetry: boolean;
  /**
   * For writes: an ambiguous failure (timeout, reset after sending, 5xx) means the effect may
   * have happened → `GatewayOutcomeUnknown`. When false (tokenisation: nothing to reconcile),
   * it is reported as timeout / unavailable instead.
   */
  ambiguousIsUnknown?: boolean;
  /** names the entity in a 404 message */
  what: string;
  parse: (body: unknown) => T;
  /** telemetry only */
  reference?: string;
  transactionId?: string;
}

/** A definite answer from Wompi: what the caller gets, or the typed error it gets instead. */
type Answered<T> = { value: T } | { error: unknown };

interface RawAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

interface Breaker {
  policy: CircuitBreakerPolicy;
  openedAt: number;
}

export class WompiHttpClient {
  private readonly policies: WompiPolicies;
  private readonly breakers = new Map<BreakerGroup, Breaker>();
  private readonly secrets: string[];
  /** the default transport (node:http/https, keep-alive); absent when a test injects one */
  private readonly transport?: NodeHttpTransport;
  private readonly fetchImpl: FetchLike;

  constructor(
    private readonly cfg: WompiConfig,
    private readonly metrics: Metrics,
    private readonly logger: LoggerService = new Logger('WompiGateway'),
    fetchImpl?: FetchLike,
  ) {
    if (fetchImpl) this.fetchImpl = fetchImpl;
    else {
      // never fewer sockets than calls the bulkhead lets through at once
      this.transport = new NodeHttpTransport({ maxSockets: Math.max(64, cfg.maxConcurrent) });
      this.fetchImpl = this.transport.fetch;
    }
    this.secrets = [cfg.publicKey, cfg.privateKey, cfg.integritySecret, ...cfg.eventsSecrets].filter(Boolean);
    this.policies = buildPolicies(cfg);
    for (const group of BREAKER_GROUPS) {
      const b: Breaker = { policy: buildBreaker(cfg), openedAt: 0 };
      b.policy.onStateChange((state) => {
        if (state === CircuitState.Open) b.openedAt = Date.now();
        this.metrics.wompiBreakerState.set({ group }, BREAKER_GAUGE[this.breakerState(group)]);
      });
      this.breakers.set(group, b);
      this.metrics.wompiBreakerState.set({ group }, 0);
    }
  }

  /** Closes the pooled keep-alive sockets (application shutdown). */
  close(): void {
    this.transport?.destroy();
  }

  private breaker(group: BreakerGroup): Breaker {
    const b = this.breakers.get(group);
    if (!b) throw new Error(`unknown Wompi breaker group ${group}`);
    return b;
  }

  /** Open past its cool-down reads as half-open: the next call is the probe. */
  breakerState(group: BreakerGroup): BreakerState {
    const b = this.breaker(group);
    switch (b.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return this.remainingCooldownMs(b) > 0 ? 'open' : 'half-open';
    }
  }

  breakerStates(): Record<BreakerGroup, BreakerState> {
    return Object.fromEntries(BREAKER_GROUPS.map((g) => [g, this.breakerState(g)])) as Record<
      BreakerGroup,
      BreakerState
    >;
  }

  private remainingCooldownMs(b: Breaker): number {
    return Math.max(0, b.openedAt + this.cfg.breakerCooldownMs - Date.now());
  }

  /** One client span per call (retries included), named by the operation; the path template only, never ids. */
  call<T>(operation: string, spec: CallSpec<T>): Promise<T> {
    const attributes = {
      'wompi.operation': operation,
      'http.request.method': spec.method,
      'url.template': spec.route,
      'wompi.breaker_group': spec.group,
    };
    return inSpan(`wompi ${operation}`, { kind: SpanKind.CLIENT, attributes }, () => this.callInSpan(operation, spec));
  }

  private async callInSpan<T>(operation: string, spec: CallSpec<T>): Promise<T> {
    const { retry, bulkhead, timeout } = this.policies;
    const breaker = this.breaker(spec.group).policy;
    let answered: Answered<T>;
    try {
      answered = await retry.execute(({ attempt }) =>
        bulkhead.execute(() => breaker.execute(() => this.attempt(operation, spec, attempt + 1, timeout))),
      );
    } catch (err) {
      throw this.finalError(operation, spec, err);
    }
    if ('error' in answered) throw answered.error;
    return answered.value;
  }

  /**
   * One HTTP exchange under the timeout; logged and counted whatever happens. Transient
   * failures are thrown (the breaker counts them, the retry may repeat them); a definite
   * answer — success or a 4xx/malformed body — is returned, so the breaker sees Wompi alive
   * and resets its consecutive-failure count.
   */
  private async attempt<T>(
    operation: string,
    spec: CallSpec<T>,
    attemptNo: number,
    timeout: WompiPolicies['timeout'],
  ): Promise<Answered<T>> {
    const started = performance.now();
    let status: number | undefined;
    let outcome = 'ok';
    try {
      const raw = await timeout
        .execute(({ signal }) => this.send(spec, signal))
        .catch((err: unknown) => {
          if (err instanceof TaskCancelledError) {
            throw new AttemptFailure('timeout', `no answer within ${this.cfg.timeoutMs} ms`, { retryable: false });
          }
          throw err;
        });
      status = raw.status;
      return { value: this.interpret(spec, raw) };
    } catch (err) {
      outcome = this.outcomeOf(spec, err);
      if (err instanceof GatewayAuthError) {
        const keyKind = spec.key === 'none' ? 'public' : spec.key;
        this.logger.error({
          msg: `Wompi refused our ${keyKind} key on ${operation} (${err.httpStatus}): possible leaked or rotated key; check the WOMPI_* keys`,
          operation,
          status: err.httpStatus,
          key: keyKind,
        });
      }
      if (err instanceof AttemptFailure) throw err;
      return { error: err };
    } finally {
      const ms = performance.now() - started;
      this.metrics.wompiCalls.inc({ operation, outcome });
      this.metrics.wompiDuration.observe({ operation }, ms / 1000);
      const line = {
        msg: 'wompi call',
        operation,
        method: spec.method,
        path: spec.route,
        status: status ?? null,
        outcome,
        attempt: attemptNo,
        duration_ms: Math.round(ms),
        ...(spec.reference ? { reference: spec.reference } : {}),
        ...(spec.transactionId ? { transaction_id: spec.transactionId } : {}),
      };
      if (outcome === 'ok') this.logger.log(line);
      else this.logger.warn(line);
    }
  }

  private async send(spec: CallSpec<unknown>, signal: AbortSignal): Promise<RawAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    if (spec.key !== 'none')
      headers.authorization = `Bearer ${spec.key === 'public' ? this.cfg.publicKey : this.cfg.privateKey}`;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    // W3C trace context to Wompi (the transport is not auto-instrumented); nothing when tracing is off
    propagation.inject(context.active(), headers);
    try {
      const res = await this.fetchImpl(`${this.cfg.baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
        redirect: 'error',
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
    } catch (err) {
      if (signal.aborted) throw new TaskCancelledError('aborted');
      const { code, neverSent } = networkErrorCode(err);
      throw new AttemptFailure('network_error', `network error ${code}`, {
        neverSent,
        retryable: spec.safeToRetry || neverSent,
      });
    }
  }

  private interpret<T>(spec: CallSpec<T>, raw: RawAnswer): T {
    const retryAfterMs = parseRetryAfter(raw.retryAfter);
    if (raw.status === 429) {
      // rate limited: not processed, but a write is still left to the caller (no blind re-post)
      throw new AttemptFailure('rate_limited', 'Wompi answered 429', {
        status: 429,
        retryAfterMs,
        retryable: spec.safeToRetry,
      });
    }
    if (raw.status >= 500) {
      throw new AttemptFailure('server_error', `Wompi answered ${raw.status}`, {
        status: raw.status,
        retryAfterMs,
        retryable: spec.safeToRetry,
      });
    }
    if (raw.status < 200 || raw.status >= 300) throw mapWompiError(raw.status, raw.text, spec.what, this.secrets);
    let body: unknown;
    try {
      body = JSON.parse(raw.text);
    } catch {
      throw new GatewayBadResponse(`Wompi answered ${raw.status} with a body that is not JSON`);
    }
    try {
      return spec.parse(body);
    } catch (err) {
      if (err instanceof ShapeError)
        throw new GatewayBadResponse(`Wompi answered ${raw.status} with an unexpected shape: ${err.message}`);
      throw err;
    }
  }

  private isAmbiguousWrite(spec: CallSpec<unknown>, err: AttemptFailure): boolean {
    return (
      !spec.safeToRetry && spec.ambiguousIsUnknown === true && err.kind !== 'rate_limited' && !err.details.neverSent
    );
  }

  private outcomeOf(spec: CallSpec<unknown>, err: unknown): string {
    if (err instanceof AttemptFailure) return this.isAmbiguousWrite(spec, err) ? 'unknown_outcome' : err.kind;
    if (err instanceof GatewayValidationError) return 'validation_error';
    if (err instanceof GatewayBusinessRejection) return 'rejected';
    if (err instanceof GatewayAuthError) return 'auth_error';
    if (err instanceof GatewayNotFound) return 'not_found';
    if (err instanceof GatewayBadResponse) return 'bad_response';
    return 'error';
  }

  private finalError(operation: string, spec: CallSpec<unknown>, err: unknown): unknown {
    if (err instanceof BrokenCircuitError) {
      this.metrics.wompiCalls.inc({ operation, outcome: 'breaker_open' });
      const seconds = Math.max(1, Math.ceil(this.remainingCooldownMs(this.breaker(spec.group)) / 1000));
      this.logger.debug?.({ msg: 'wompi breaker open', operation, group: spec.group, retry_after_seconds: seconds });
      return new GatewayUnavailable(
        `Wompi circuit breaker (${spec.group}) is open; ${operation} was not attempted`,
        seconds,
      );
    }
    if (err instanceof BulkheadRejectedError) {
      this.metrics.wompiCalls.inc({ operation, outcome: 'bulkhead_full' });
      return new GatewayUnavailable(`Too many concurrent Wompi calls; ${operation} was not attempted`, 1);
    }
    if (!(err instanceof AttemptFailure)) return err; // typed DomainErrors pass through as they are
    if (this.isAmbiguousWrite(spec, err)) return new GatewayOutcomeUnknown(operation, err.message);
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil(Math.max(err.details.retryAfterMs ?? 0, this.cfg.retryBaseDelayMs) / 1000),
    );
    switch (err.kind) {
      case 'timeout':
        return new GatewayTimeout(operation, this.cfg.timeoutMs);
      case 'rate_limited':
        return new GatewayUnavailable(`Wompi is rate limiting ${operation}`, retryAfterSeconds);
      case 'server_error':
        return new GatewayUnavailable(`Wompi failed ${operation} (${err.details.status})`, retryAfterSeconds);
      default:
        return new GatewayUnavailable(
          `Wompi could not be reached for ${operation} (${err.message})`,
          retryAfterSeconds,
        );
    }
  }
}
