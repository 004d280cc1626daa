import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../../config/app-config';
import { basePinoOptions, logDestination } from './log-output';
import { scrubString } from './redact';
import { assignRequestId } from './request-id';

/** pino-http's options, with a destination stream when the format has one (pretty). */
function withDestination<O>(options: O, dest: DestinationStream | undefined): O | [O, DestinationStream] {
  return dest ? [options, dest] : options;
}

/**
 * Structured logs (pino): JSON lines, or in development one human line each (LOG_FORMAT,
 * log-output.ts). Every request carries a request id (taken from X-Request-Id when sane, else
 * generated) echoed in the response. Everything logged passes through `scrub`
 * (bounded: see redact.ts) or, for `req`/`res`, through serializers that keep a few scrubbed fields.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: withDestination(
          {
            ...basePinoOptions(config.logLevel),
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
          },
          logDestination(config.logFormat),
        ),
      }),
    }),
  ],
})
export class LoggingModule {}
