import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { scrub, scrubString } from './redact';
import { assignRequestId } from './request-id';

/**
 * Structured JSON logs (pino). Every request carries a request id (taken from X-Request-Id
 * when sane, else generated) echoed in the response. Everything logged passes through `scrub`.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          genReqId: assignRequestId,
          // Only what operators need; no headers, no bodies, no query strings.
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: scrubString(String(req.url).split('?')[0]) }),
            res: (res: { statusCode: number | null; raw?: { statusCode?: number } }) => ({ status: res.raw?.statusCode ?? res.statusCode }),
          },
          // 4xx are the caller's business (and a flood of forged webhooks must not flood the log): info
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : 'info'),
          autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
          formatters: { log: (obj: Record<string, unknown>) => scrub(obj) as Record<string, unknown> },
          hooks: {
            logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
              method.apply(this, args.map((a) => (typeof a === 'string' ? scrubString(a) : a)));
            },
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
