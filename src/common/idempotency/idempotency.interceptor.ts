import {
  CallHandler,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  NestInterceptor,
  RequestMethod,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { from, lastValueFrom, Observable, of } from 'rxjs';
import { AppConfig } from '../../config/app-config';
import { AuthenticatedRequest } from '../auth/api-key.guard';
import { DomainError, ERROR_CODES } from '../errors/domain-error';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { ClaimToken, IdempotencyStore } from './idempotency.store';
import { requestHash } from './request-hash';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const MAX_KEY_LENGTH = 255;

export type IdempotentRequest = AuthenticatedRequest & { idempotencyKey?: string };

/** Client errors that are a property of the request itself: a retry replays them. */
const REPLAYABLE_CLIENT_ERROR = (status: number) =>
  status >= 400 && status < 500 && ![401, 408, 409, 429].includes(status);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readIdempotencyKey(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined)
    throw keyProblem(`Send an ${IDEMPOTENCY_HEADER} header (a unique value per logical operation, e.g. a UUID)`);
  if (value.trim() === '') throw keyProblem(`${IDEMPOTENCY_HEADER} must not be empty`);
  if (value.length > MAX_KEY_LENGTH)
    throw keyProblem(`${IDEMPOTENCY_HEADER} must be at most ${MAX_KEY_LENGTH} characters`);
  return value;
}

function keyProblem(message: string): DomainError {
  return new DomainError('IDEMPOTENCY_KEY_REQUIRED', message, { [IDEMPOTENCY_HEADER]: [message] });
}

function statusOf(err: unknown): number {
  if (err instanceof DomainError) return ERROR_CODES[err.code].status;
  if (err instanceof HttpException) return err.getStatus();
  return 500;
}

/**
 * Idempotency-Key semantics of the HTTP API contract, applied by `@Idempotent()`:
 * claim (caller, key) in Postgres → run the handler → store its response. A second request
 * with the same key and body gets the stored response (`Idempotent-Replayed: true`); with
 * another body 422; while the first still runs 409. Deterministic client errors are stored
 * and replayed like successes; server errors release the key so the client can retry.
 *
 * The handler runs to completion even when the client disconnects (we subscribe to it
 * ourselves), so a claim is always settled by the request that owns it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly problems = new ProblemDetailsFilter();
  private readonly leaseSeconds: number;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    // A holder is presumed dead once it has run longer than any request can: every Wompi
    // call with its retries, three times over, and never less than a minute.
    const w = config.wompi;
    this.leaseSeconds = Math.max(
      60,
      Math.ceil((3 * (w.retryAttempts + 1) * (w.timeoutMs + w.retryBaseDelayMs)) / 1000),
    );
  }

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = ctx.switchToHttp();
    const req = http.getRequest<IdempotentRequest>();
    const res = http.getResponse<Response>();
    const key = readIdempotencyKey(req.headers[IDEMPOTENCY_HEADER.toLowerCase()]);
    const caller = req.caller?.name;
    if (!caller) throw new DomainError('UNAUTHENTICATED', 'Idempotent routes need an authenticated caller');
    const path = req.path; // as the router matched it (same as the URL's path for origin-form targets)
    const claim = await this.store.claim({
      caller,
      key,
      requestHash: requestHash(req.method, path, req.body),
      method: req.method,
      path,
      ttlHours: this.config.idempotencyTtlHours,
      leaseSeconds: this.leaseSeconds,
    });

    switch (claim.kind) {
      case 'mismatch':
        throw new DomainError(
          'IDEMPOTENCY_KEY_MISMATCH',
          `This ${IDEMPOTENCY_HEADER} was used with a different request (method, path or body); use a new key for a new operation`,
        );
      case 'in_flight':
        throw new DomainError(
          'IDEMPOTENCY_KEY_IN_FLIGHT',
          `A request with this ${IDEMPOTENCY_HEADER} is still being processed; retry later`,
          undefined,
          { retry_after_seconds: 1 },
        );
      case 'completed':
        return of(this.replay(res, claim.status, claim.body));
      case 'claimed':
        if (claim.takenOver)
          this.logger.warn({ caller, path }, 'took over an idempotency key whose holder did not finish in time');
    }

    req.idempotencyKey = key;
    const successStatus = this.successStatus(ctx, req.method);
    const settled = lastValueFrom(next.handle(), { defaultValue: undefined }).then(
      async (body) => {
        await this.settle(
          () => this.store.complete(claim.token, successStatus, body, this.resourceId(body)),
          claim.token,
          'complete',
        );
        return body;
      },
      async (err: unknown) => {
        const status = statusOf(err);
        if (REPLAYABLE_CLIENT_ERROR(status)) {
          const problem = this.problems.toProblem(err, req);
          await this.settle(
            () => this.store.complete(claim.token, problem.status, problem, null),
            claim.token,
            'complete',
          );
        } else {
          await this.settle(() => this.store.release(claim.token).then(() => true), claim.token, 'release');
        }
        throw err;
      },
    );
    return from(settled);
  }

  /** The stored response again, byte-for-byte in content, with its own status. */
  private replay(res: Response, status: number, body: unknown): unknown {
    res.status(status);
    res.setHeader(REPLAYED_HEADER, 'true');
    if (status >= 400) res.type('application/problem+json');
    // Nest would apply the route's own status (201) on reply; the stored one must win.
    res.status = () => res;
    return body;
  }

  private successStatus(ctx: ExecutionContext, method: string): number {
    const declared = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler());
    if (declared) return declared;
    return method === RequestMethod[RequestMethod.POST] ? HttpStatus.CREATED : HttpStatus.OK;
  }

  private resourceId(body: unknown): string | null {
    const id = body && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
    return typeof id === 'string' && UUID.test(id) ? id : null;
  }

  /**
   * A failure to record the outcome must not turn a done operation into an error for the
   * client, nor leave the key in flight: a blip (ECONNRESET, a failover) answered by the
   * client's retry with 409 for the whole lease, never showing it its payment. So: a few
   * attempts with a short backoff; if storing still fails, release the claim instead (a
   * retry then runs the operation again, which finds its own result: creates are idempotent
   * by reference); if even that fails, keep trying to release in the background. Only when
   * Postgres stays unreachable past those does the key wait for its lease to end.
   */
  private async settle(op: () => Promise<boolean>, token: ClaimToken, what: 'complete' | 'release'): Promise<void> {
    const release = () => this.store.release(token).then(() => true);
    try {
      const ok = await withRetries(op, SETTLE_BACKOFF_MS);
      if (!ok)
        this.logger.warn(
          { caller: token.caller },
          `idempotency claim was taken over before ${what}; response not stored`,
        );
      return;
    } catch (err) {
      if (what === 'release') {
        this.logger.error(
          { caller: token.caller, err },
          'could not release an idempotency key; releasing it in the background',
        );
        this.releaseLater(release, token);
        return;
      }
      this.logger.warn(
        { caller: token.caller, err },
        'could not store the response of an idempotency key; releasing the key so a retry runs again',
      );
    }
    try {
      await withRetries(release, SETTLE_BACKOFF_MS);
    } catch (err) {
      this.logger.error(
        { caller: token.caller, err },
        'could not release an idempotency key; releasing it in the background',
      );
      this.releaseLater(release, token);
    }
  }

  private releaseLater(release: () => Promise<boolean>, token: ClaimToken): void {
    withRetries(release, RELEASE_LATER_MS).catch((err: unknown) =>
      this.logger.error(
        { caller: token.caller, err },
        'could not release an idempotency key; it stays in flight until its lease ends',
      ),
    );
  }
}

/** Waits between attempts at recording an outcome: short, the client is waiting for its answer. */
const SETTLE_BACKOFF_MS = [50, 200, 500];
/** then, off the request, for an outage of a few seconds (each timer unref'd: never holds a shutdown) */
const RELEASE_LATER_MS = [1_000, 3_000, 10_000];

async function withRetries<T>(op: () => Promise<T>, backoffMs: number[]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= backoffMs.length) throw err;
      await new Promise((r) => setTimeout(r, backoffMs[attempt]).unref());
    }
  }
}
