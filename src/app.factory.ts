import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import type { Server } from 'node:http';
import type { Application, Express, NextFunction, Request, Response } from 'express';
import { DomainError, ValidationFailed } from './common/errors/domain-error';
import { Logger } from 'nestjs-pino';
import { QuietStartupLogger } from './common/logging/log-output';
import { AppModule } from './app.module';
import { serveAheadOfExpress } from './common/http/ahead-of-express';
import { answerClientErrorsAsProblems, createExpressInstance, edgeHeaders, requestPath } from './common/http/edge';
import { apiJsonProblem, assertUtf8, carriesBody, isApiJson } from './common/http/media-types';
import { API_BODY_LIMIT, createOpenApiDocument } from './common/http/openapi';
import { createValidationPipe, jsonDepthErrors, MAX_JSON_DEPTH } from './common/http/validation';
import { AppConfig } from './config/app-config';
import { Metrics } from './metrics/metrics';
import { webhookIngress } from './webhooks/webhook-ingress.handler';
import { WebhookIngestService } from './webhooks/webhook-ingest.service';
import { RateLimits } from './common/rate-limit/rate-limits';
import { throttleUnparsedDeliveries } from './common/rate-limit/webhook-throttle';

export const WEBHOOK_PATH = '/v1/webhooks/wompi';
export const WEBHOOK_BODY_LIMIT = '256kb';
const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Body-parser failures become domain errors here, before Nest sees them: the parser's own
 * message quotes the body (which may hold anything, even buyer data), so it never reaches
 * the answer or the log.
 */
function bodyParserErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed')
    return next(new DomainError('MALFORMED_BODY', 'The request body is not valid JSON'));
  if (type === 'entity.too.large')
    return next(new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts'));
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return next(new DomainError('MALFORMED_BODY', 'The request body encoding is not supported'));
  if (type === 'entity.not.utf8')
    return next(
      new DomainError('MALFORMED_BODY', 'The request body is not valid UTF-8', {
        body: ['the body must be UTF-8 encoded JSON'],
      }),
    );
  next(err);
}

/** Wompi's event ingress, exactly (routing is case-sensitive and strict: no other spelling routes there). */
const isWebhook = (req: Request): boolean => requestPath(req) === WEBHOOK_PATH;

/**
 * A request body on the API must be what the API parser parses (one definition, media-types.ts);
 * the webhook route takes whatever Wompi sends.
 */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (!carriesBody(req) || isWebhook(req)) return next();
  const problem = apiJsonProblem(req.headers['content-type']);
  if (problem)
    return next(
      new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json', {
        'Content-Type': [problem],
      }),
    );
  next();
}

const webhookParser = json({
  limit: WEBHOOK_BODY_LIMIT,
  strict: false,
  type: () => true,
  verify: (req, _res, buf) => {
    // a body that is not UTF-8 cannot be Wompi's; the checksum is verified over these bytes
    assertUtf8(buf);
    (req as RawBodyRequest).rawBody = buf;
  },
});
const apiParser = json({
  limit: API_BODY_LIMIT,
  strict: false,
  type: isApiJson,
  verify: (_req, _res, buf) => assertUtf8(buf),
});

const NOT_AN_OBJECT = 'the request body must be a JSON object';

/**
 * Right after parsing, before any guard, interceptor (the Idempotency-Key hash) or handler:
 * every body is nested at most MAX_JSON_DEPTH deep (checked iteratively, so no depth can
 * overflow the stack here or in anything recursive behind it), and every API body is a JSON
 * object (the parsers run non-strict so that `null`, `"x"` or `1` get this answer rather than
 * "not valid JSON"; the webhook's envelope check says the same for Wompi's route, and counts
 * it). Refused here, nothing is claimed or stored for the request.
 */
function screenParsedBody(req: Request, _res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (body === undefined) return next(); // no body sent
  if (!isWebhook(req) && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    return next(new DomainError('MALFORMED_BODY', 'The request body must be a JSON object', { body: [NOT_AN_OBJECT] }));
  }
  const tooDeep = jsonDepthErrors(body);
  if (Object.keys(tooDeep).length)
    return next(
      new ValidationFailed(tooDeep, `The request body must not be nested deeper than ${MAX_JSON_DEPTH} levels`),
    );
  next();
}

export type RawBodyRequest = Request & { rawBody?: Buffer };

/**
 * Builds the Nest application for a validated config. Used by `main.ts`, `npm run dev` and
 * the integration tests, so all three run the same wiring.
 */
export async function createApp(config: AppConfig, opts: { bufferLogs?: boolean } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), new ExpressAdapter(createExpressInstance()), {
    bodyParser: false,
    bufferLogs: opts.bufferLogs ?? true,
  });
  // every line through the service's pino logger (buffered until here, so nothing is printed in
  // another format first); Nest's start-up chatter at debug when LOG_FORMAT's reader asks for it
  const logger = app.get(Logger);
  app.useLogger(config.logQuietStartup ? new QuietStartupLogger(logger) : logger);
  answerClientErrorsAsProblems(app.getHttpServer() as Server);
  app.use(edgeHeaders);
  // the client address of the per-address rate limits (req.ip); see docs/security-rate-limits.md
  (app.getHttpAdapter().getInstance() as Application).set('trust proxy', config.trustProxy);
  // Wompi's ingress on its lean path, answered from the server's request listener ahead of
  // Express (see webhookIngress); the Nest route stays for anything that path passes on. Installed
  // here, before main.ts installs the drain around whatever listens then: draining answers first.
  if (config.role !== 'worker')
    serveAheadOfExpress(
      app.getHttpServer() as Server,
      webhookIngress(
        app.get(WebhookIngestService),
        app.get(Metrics),
        app.get(RateLimits),
        WEBHOOK_BODY_LIMIT_BYTES,
        app.getHttpAdapter().getInstance() as Express,
      ),
    );
  // Raw body only on the webhook route (the checksum is verified over what Wompi sent).
  app.use((req: Request, res: Response, next: NextFunction) =>
    isWebhook(req) ? webhookParser(req, res, next) : next(),
  );
  app.use(requireJsonBody);
  app.use((req: Request, res: Response, next: NextFunction) => (isWebhook(req) ? next() : apiParser(req, res, next)));
  app.use(bodyParserErrors);
  app.use(WEBHOOK_PATH, throttleUnparsedDeliveries(app.get(RateLimits)));
  app.use(screenParsedBody);
  app.useGlobalPipes(createValidationPipe());
  // Signals are handled by the entry point (`main.ts`: bounded graceful shutdown, exit code).

  // the worker serves only /health/* and /metrics; DOCS_ENABLED=false leaves /docs* to the 404
  if (config.role !== 'worker' && config.docsEnabled) {
    SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  }
  return app;
}
