import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { traceLogFields } from '../../tracing/trace-context';
import { scrub, scrubString } from './redact';
import { assignRequestId } from './request-id';

/**
 * pino runs `formatters.log` BEFORE the serializers, so on an access-log line it sees the raw
 * `res` (whose `.req` holds the parsed body) and `err`. `req` and `res` go to the serializers
 * above untouched — they pick a few fields and scrub them — and everything else is scrubbed
 * with a bounded walk, so no request body is ever walked for the log.
 */
function scrubLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const { req, res, ...rest } = obj;
  const out = scrub(rest) as Record<string, unknown>;
  if (req !== undefined) out.req = req;
  if (res !== undefined) out.res = res;
  return out;
}

/**
 * Structured JSON logs (pino). Every request carries a request id (taken from X-Request-Id
 * when sane, else generated) echoed in the response. Everything logged passes through `scrub`
 * (bounded: see redact.ts) or, for `req`/`res`, through serializers that keep a few scrubbed fields.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          // trace_id/span_id of the active span on every line (nothing when tracing is off)
          mixin: traceLogFields,
          genReqId: assignRequestId,
          // Only what operators need; no headers, no bodies, no query strings.
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              path: scrubString(String(req.url).split('?')[0]),
            }),
            res: (res: { statusCode: number | null; raw?: { statusCode?: number } }) => ({
              status: res.raw?.statusCode ?? res.statusCode,
            }),
          },
          // 4xx are the caller's business (and a flood of forged webhooks must not flood the log): info
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : 'info',
          autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
          formatters: { log: scrubLogObject },
          hooks: {
            logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
              method.apply(
                this,
                args.map((a) => (typeof a === 'string' ? scrubString(a) : a)),
              );
            },
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
