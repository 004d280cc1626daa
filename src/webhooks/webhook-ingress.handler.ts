import { Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError, ValidationFailed } from '../common/errors/domain-error';
import { jsonDepthErrors, MAX_JSON_DEPTH } from '../common/http/validation';
import { requestPath } from '../common/http/edge';
import { ProblemDetailsFilter } from '../common/http/problem-details.filter';
import { assignRequestId } from '../common/logging/request-id';
import { RateLimits } from '../common/rate-limit/rate-limits';
import { Metrics } from '../metrics/metrics';
import { WebhookIngestService } from './webhook-ingest.service';

const ACK = Buffer.from('{"received":true}');
const ROUTE = '/v1/webhooks/wompi';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Wompi's event ingress on a lean path: the same WebhookIngestService the Nest route uses
 * (verify → one inbox statement → relay), without what that route does not need — the router,
 * guards, interceptors, pipes, per-request child loggers and access-log lines. Mounted before
 * everything else on exactly `POST /v1/webhooks/wompi`. Anything unusual (another method, a
 * compressed body) falls through to the Nest route, which stays the reference implementation
 * and carries the OpenAPI description. One log line per stored event (with the request id);
 * rejections aggregate in the RejectionLog; 5xx are logged with their error_id.
 */
export function webhookIngressHandler(
  ingest: WebhookIngestService,
  metrics: Metrics,
  limits: RateLimits,
  limitBytes: number,
): RequestHandler {
  const logger = new Logger('Webhooks');
  const problems = new ProblemDetailsFilter();
  // the route's series, resolved once (prom-client hashes a label set on every call otherwise)
  const labels = { method: 'POST', route: ROUTE };
  const duration = metrics.httpDuration.labels(labels);
  const answered = new Map<number, { inc(): void }>();
  const countAnswer = (status: number) => {
    let child = answered.get(status);
    if (!child) answered.set(status, (child = metrics.httpRequests.labels({ ...labels, status: String(status) })));
    child.inc();
  };

  const answer = (
    req: Request,
    res: Response,
    status: number,
    body: Buffer,
    contentType: string,
    stopTimer: () => void,
  ): void => {
    res.statusCode = status;
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', body.length);
    res.end(body);
    stopTimer();
    countAnswer(status);
  };

  // a refused delivery spends its address's unverified budget first (a 429 once spent)
  const fail = (req: Request, res: Response, err: unknown, requestId: string, stopTimer: () => void): void => {
    limits.refusedDelivery(req, res, err).then(
      (refusal) => send(req, res, refusal, requestId, stopTimer),
      (e: unknown) => send(req, res, e, requestId, stopTimer),
    );
  };

  const send = (req: Request, res: Response, err: unknown, requestId: string, stopTimer: () => void): void => {
    const problem = problems.toProblem(err, req);
    if (problem.status >= 500)
      logger.error({ err, error_id: problem.error_id, request_id: requestId }, 'webhook ingress failed');
    if (typeof problem.retry_after_seconds === 'number' && [409, 429, 503].includes(problem.status))
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(problem.retry_after_seconds))));
    answer(
      req,
      res,
      problem.status,
      Buffer.from(JSON.stringify(problem)),
      'application/problem+json; charset=utf-8',
      stopTimer,
    );
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    const encoding = req.headers['content-encoding'];
    if (req.method !== 'POST' || requestPath(req) !== ROUTE || (encoding !== undefined && encoding !== 'identity'))
      return next();
    const stopTimer = duration.startTimer();
    const requestId = assignRequestId(req, res);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) {
      req.resume();
      res.setHeader('Connection', 'close');
      return fail(
        req,
        res,
        new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts'),
        requestId,
        stopTimer,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limitBytes) chunks.push(c);
    });
    req.on('error', () => req.destroy());
    req.on('end', () => {
      if (size > limitBytes)
        return fail(
          req,
          res,
          new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts'),
          requestId,
          stopTimer,
        );
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      // the same answers as the body parsers of the Nest path (app.factory bodyParserErrors)
      let text: string;
      try {
        text = utf8.decode(raw);
      } catch {
        return fail(
          req,
          res,
          new DomainError('MALFORMED_BODY', 'The request body is not valid UTF-8', {
            body: ['the body must be UTF-8 encoded JSON'],
          }),
          requestId,
          stopTimer,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return fail(
          req,
          res,
          new DomainError('MALFORMED_BODY', 'The request body is not valid JSON'),
          requestId,
          stopTimer,
        );
      }
      const tooDeep = jsonDepthErrors(body);
      if (Object.keys(tooDeep).length)
        return fail(
          req,
          res,
          new ValidationFailed(tooDeep, `The request body must not be nested deeper than ${MAX_JSON_DEPTH} levels`),
          requestId,
          stopTimer,
        );
      const checksum = req.headers['x-event-checksum'];
      ingest
        .ingest({
          rawBody: raw,
          body,
          headerChecksum: typeof checksum === 'string' ? checksum : undefined,
          requestId,
          headers: req.headers,
        })
        .then(
          () => answer(req, res, 200, ACK, 'application/json; charset=utf-8', stopTimer),
          (err: unknown) => fail(req, res, err, requestId, stopTimer),
        );
    });
  };
}
