import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { DomainError, ERROR_CODES } from '../errors/domain-error';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: Record<string, string[]>;
  error_id?: string;
  [member: string]: unknown;
}

const TYPE_BASE = 'https://payments.internal/problems/';

/** Socket errors, and Postgres SQLSTATEs that mean "the server cannot be used right now". */
const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** node-postgres' own words when a pooled connection cannot be had or is lost. */
const DOWN_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
/** Seconds a client should wait before retrying when a dependency is down. */
export const DEPENDENCY_RETRY_AFTER_S = 5;

/**
 * Whether an unexpected error is a dependency (Postgres, Redis) being unreachable rather than
 * a bug: a socket error, a Postgres connection-class SQLSTATE (08xxx, shutdown, cannot connect
 * now, too many connections) or the pool's connection messages — also inside TypeORM's
 * QueryFailedError (`driverError`) and Node's AggregateError (one per address tried).
 */
export function isDependencyDown(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (DOWN_CODES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  if (typeof e.message === 'string' && DOWN_MESSAGES.test(e.message)) return true;
  if (e.driverError && isDependencyDown(e.driverError, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((x) => isDependencyDown(x, depth + 1));
}

function slug(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}

/**
 * The one place errors become HTTP: RFC 9457 problem+json. Domain errors map by code;
 * Nest HTTP exceptions (routing, body parser) keep their status; anything else is a 500 with
 * an `error_id` that is also logged, so an operator can find it.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;
    // Health probes keep terminus' own format (Kubernetes and operators read it as is); only
    // the routes that matched (a 404 under /health is a problem like any other).
    const route = (req.route as { path?: unknown } | undefined)?.path;
    if (exception instanceof HttpException && typeof route === 'string' && route.startsWith('/health/')) {
      res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const problem = this.toProblem(exception, req);
    // 503 (Wompi unavailable), 409 (Idempotency-Key in flight), 429: say when to come back.
    if ([409, 429, 503].includes(problem.status) && typeof problem.retry_after_seconds === 'number') {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(problem.retry_after_seconds))));
    }
    if (res.headersSent) return;
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  toProblem(exception: unknown, req?: Request): ProblemDetails {
    const instance = req?.originalUrl?.split('?')[0];
    if (exception instanceof DomainError) {
      const spec = ERROR_CODES[exception.code];
      // extra members never override the standard ones
      const p: ProblemDetails = {
        ...(exception.extra ?? {}),
        type: TYPE_BASE + slug(exception.code),
        title: spec.title,
        status: spec.status,
        detail: exception.message,
        instance,
        code: exception.code,
      };
      if (exception.fieldErrors) p.errors = exception.fieldErrors;
      if (spec.status >= 500) {
        p.error_id = randomUUID();
        this.logger.warn({ error_id: p.error_id, code: exception.code, msg: exception.message }, 'dependency error');
      }
      return p;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const p: ProblemDetails = {
        type:
          status === 404 ? TYPE_BASE + 'not-found' : status === 413 ? TYPE_BASE + 'payload-too-large' : 'about:blank',
        title: HttpStatus[status]
          ? HttpStatus[status]
              .replace(/_/g, ' ')
              .toLowerCase()
              .replace(/^./, (c) => c.toUpperCase())
          : 'Error',
        status,
        detail: Array.isArray(detail) ? detail.join('; ') : String(detail),
        instance,
      };
      if (status >= 500) {
        p.error_id = randomUUID();
        this.logger.error({ error_id: p.error_id, err: exception }, 'unexpected HTTP exception');
      }
      return p;
    }
    // body-parser errors arrive as plain errors carrying a status
    const e = exception as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const tooLarge = status === 413;
      return {
        type: TYPE_BASE + (tooLarge ? 'payload-too-large' : 'malformed-body'),
        title: tooLarge ? 'Payload too large' : 'Malformed request body',
        status,
        detail: tooLarge ? 'The request body is larger than this route accepts' : 'The request body is not valid JSON',
        instance,
      };
    }
    const errorId = randomUUID();
    if (isDependencyDown(exception)) {
      // an outage, not a bug: 503 with Retry-After, so callers retry (an Idempotency-Key is released)
      this.logger.warn(
        { error_id: errorId, code: (exception as { code?: unknown }).code, msg: (exception as Error).message },
        'dependency unavailable',
      );
      const spec = ERROR_CODES.DEPENDENCY_UNAVAILABLE;
      return {
        type: TYPE_BASE + slug('DEPENDENCY_UNAVAILABLE'),
        title: spec.title,
        status: spec.status,
        detail: 'A dependency of this service (its database or queue) is unreachable; retry later',
        instance,
        code: 'DEPENDENCY_UNAVAILABLE',
        error_id: errorId,
        retry_after_seconds: DEPENDENCY_RETRY_AFTER_S,
      };
    }
    this.logger.error({ error_id: errorId, err: exception }, 'unexpected error');
    return {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; quote error_id to the operators',
      instance,
      error_id: errorId,
    };
  }
}
