import { Logger } from '@nestjs/common';
import type { Express, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DomainError, ValidationFailed } from '../common/errors/domain-error';
import type { AheadOfExpress } from '../common/http/ahead-of-express';
import { apiEdgeHeaderList } from '../common/http/edge';
import { jsonDepthErrors, MAX_JSON_DEPTH } from '../common/http/validation';
import { ProblemDetailsFilter } from '../common/http/problem-details.filter';
import { requestIdOf } from '../common/logging/request-id';
import { RateLimits } from '../common/rate-limit/rate-limits';
import { Metrics } from '../metrics/metrics';
import { WebhookIngestService } from './webhook-ingest.service';

const ROUTE = '/v1/webhooks/wompi';
const ACK = Buffer.from('{"received":true}');
const ACK_LENGTH = String(ACK.length);
const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const utf8 = new TextDecoder('utf-8', { fatal: true });

const tooLarge = () => new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts');

/**
 * Wompi's event ingress on a lean path, answered from the HTTP server's request listener ahead
 * of Express (common/http/ahead-of-express.ts): the same WebhookIngestService the Nest route
 * uses (verify → one inbox statement → relay), without what that route does not need — Express'
 * init and prototype swap, the router, guards, interceptors, pipes, per-request child loggers and
 * access-log lines. Only `POST /v1/webhooks/wompi` (the path as Express' `req.path` reads it)
 * with an identity body; anything else (another method, a compressed body) goes to Express and
 * the Nest route, which stays the reference implementation and carries the OpenAPI description.
 *
 * Every answer carries what the Express path would have set: the security headers of
 * `edgeHeaders` (computed once), X-Request-Id, the content type. A refusal spends its address's
 * unverified budget (`req.ip` under 'trust proxy': only then does the request get Express'
 * request prototype). One log line per stored event (with the request id); rejections aggregate
 * in the RejectionLog; 5xx are logged with their error_id.
 */
export function webhookIngress(
  ingest: WebhookIngestService,
  metrics: Metrics,
  limits: RateLimits,
  limitBytes: number,
  express: Express,
): AheadOfExpress {
  const logger = new Logger('Webhooks');
  const problems = new ProblemDetailsFilter();
  const edge = apiEdgeHeaderList();
  // Express' own `req.path` getter (parseurl), so the match is the router's, spelling for spelling
  const expressPath = (req: IncomingMessage): unknown => Reflect.get(express.request, 'path', req);
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
    res: ServerResponse,
    status: number,
    body: Buffer,
    length: string,
    contentType: string,
    requestId: string,
    startedAt: number,
  ): void => {
    // one writeHead with a flat list: no per-header setHeader bookkeeping on the 200 (headers a
    // refusal or the drain set before are merged by Node, these taking precedence)
    const head = edge.slice();
    head.push('X-Request-Id', requestId, 'Content-Type', contentType, 'Content-Length', length);
    res.writeHead(status, head);
    res.end(body);
    duration.observe((performance.now() - startedAt) / 1000);
    countAnswer(status);
  };

  // a refused delivery spends its address's unverified budget first (a 429 once spent)
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown, requestId: string, startedAt: number) => {
    // req.ip (RateLimits' clientAddress) under Express' 'trust proxy', as expressInit would give it
    Object.setPrototypeOf(req, express.request);
    limits.refusedDelivery(req as Request, res as Response, err).then(
      (refusal) => send(req, res, refusal, requestId, startedAt),
      (e: unknown) => send(req, res, e, requestId, startedAt),
    );
  };

  const send = (req: IncomingMessage, res: ServerResponse, err: unknown, requestId: string, startedAt: number) => {
    // `instance` is the path of the request's original URL, as on the Express path
    const problem = problems.toProblem(err, { originalUrl: req.url } as Request);
    if (problem.status >= 500)
      logger.error({ err, error_id: problem.error_id, request_id: requestId }, 'webhook ingress failed');
    if (typeof problem.retry_after_seconds === 'number' && [409, 429, 503].includes(problem.status))
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(problem.retry_after_seconds))));
    const body = Buffer.from(JSON.stringify(problem));
    answer(res, problem.status, body, String(body.length), PROBLEM_TYPE, requestId, startedAt);
  };

  const receive = (req: IncomingMessage, res: ServerResponse, requestId: string, startedAt: number): void => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) {
      req.resume();
      res.setHeader('Connection', 'close');
      return fail(req, res, tooLarge(), requestId, startedAt);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limitBytes) chunks.push(c);
    });
    req.on('error', () => req.destroy());
    req.on('end', () => {
      try {
        if (size > limitBytes) return fail(req, res, tooLarge(), requestId, startedAt);
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
            startedAt,
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
            startedAt,
          );
        }
        const tooDeep = jsonDepthErrors(body);
        if (Object.keys(tooDeep).length)
          return fail(
            req,
            res,
            new ValidationFailed(tooDeep, `The request body must not be nested deeper than ${MAX_JSON_DEPTH} levels`),
            requestId,
            startedAt,
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
            () => answer(res, 200, ACK, ACK_LENGTH, JSON_TYPE, requestId, startedAt),
            (err: unknown) => fail(req, res, err, requestId, startedAt),
          );
      } catch (err) {
        // nothing above is expected to throw; if it does, a 500 problem rather than an uncaught exception
        if (!res.headersSent) send(req, res, err, requestId, startedAt);
      }
    });
  };

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url;
    if (url !== ROUTE && (url === undefined || !url.includes('wompi') || expressPath(req) !== ROUTE)) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') return false;
    const startedAt = performance.now();
    const requestId = requestIdOf(req);
    try {
      receive(req, res, requestId, startedAt);
    } catch (err) {
      if (!res.headersSent) send(req, res, err, requestId, startedAt);
    }
    return true;
  };
}
