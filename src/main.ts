// first: the tracing SDK patches http, express, pg, ioredis and amqplib as they are loaded
import { shutdownTracing } from './tracing';
import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { createApp } from './app.factory';
import { installHttpDrain } from './common/http/http-drain';
import { createProcessLogger } from './common/logging/log-output';
import { AppConfig } from './config/app-config';
import { ConfigError } from './config/config-error';
import { loadConfigFromProcessEnv } from './config/load-config';
import { JobQueue } from './queue/job-queue.port';

/** A clean shutdown flushes the buffered spans (bounded) first; a forced one exits at once. */
function exitFlushingSpans(code: number): void {
  if (code !== 0) process.exit(code);
  void shutdownTracing().finally(() => process.exit(code));
}

/**
 * SIGTERM/SIGINT → graceful shutdown, bounded by SHUTDOWN_TIMEOUT_MS:
 *  1. this process's queue workers stop fetching jobs (a local pause), the HTTP server stops
 *     accepting connections and closes its idle keep-alive ones; requests in flight carry on
 *     and answer with `Connection: close`; a request arriving afterwards on a kept-alive
 *     connection is answered 503 `Connection: close` without running (common/http/http-drain);
 *  2. `app.close()`: schedulers stop (relay, sweeper, poller, purges; a round in flight
 *     finishes), workers take no new job and the running ones finish, the HTTP server drains,
 *     then Bull/Redis, RabbitMQ and Postgres are closed. At 80 % of the bound every connection
 *     still open is cut, so the closing of the connections to Postgres, Redis and RabbitMQ still fits;
 *  3. exit 0. If the bound passes first, exit 1 at once: what was still running is not lost
 *     (its inbox row stays open, Bull retries a stalled job, the inbox sweeper re-enqueues).
 * A second signal during the shutdown exits at once (code 1).
 */
export function exitGracefullyOnSignals(
  app: INestApplication,
  config: AppConfig,
  exit: (code: number) => void = exitFlushingSpans,
): void {
  const logger = new Logger('Shutdown');
  const http = installHttpDrain(app.getHttpServer() as Server);
  let startedAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (startedAt) {
      logger.warn({ signal }, 'second signal during the shutdown; exiting now');
      exit(1);
      return;
    }
    startedAt = Date.now();
    const bound = config.shutdownTimeoutMs;
    // Stop taking jobs at once (a local pause of this process's workers), before the other
    // shutdown hooks run; app.close() later waits, bounded, for the jobs already running.
    void app
      .get(JobQueue, { strict: false })
      .drain(bound)
      .catch(() => undefined);
    logger.log({ signal, timeout_ms: bound }, 'shutting down: no new requests or jobs; waiting for those in flight');
    const deadline = setTimeout(() => {
      logger.error(
        { signal, timeout_ms: bound },
        `shutdown did not finish within ${bound} ms; exiting with work in flight (Bull and the inbox sweeper run it again)`,
      );
      exit(1);
    }, bound);
    http.begin();
    const cut = setTimeout(
      () => {
        if (http.inFlight() > 0)
          logger.warn(
            { in_flight: http.inFlight() },
            'HTTP requests still running at the end of the drain window; closing their connections',
          );
        http.closeAll();
      },
      Math.floor(bound * 0.8),
    );
    app.close().then(
      () => {
        clearTimeout(deadline);
        clearTimeout(cut);
        logger.log({ signal, ms: Date.now() - startedAt }, 'shut down cleanly');
        exit(0);
      },
      (err: unknown) => {
        logger.error({ signal, err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Production entry: validate config (refusing to boot on any problem), then serve. */
export async function bootstrap(): Promise<INestApplication> {
  let config;
  try {
    config = loadConfigFromProcessEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // One log format from here on: whatever logs before the app's own logger is attached (and
  // Nest's buffered start-up lines after) is written by the same pino setup (LOG_FORMAT).
  Logger.overrideLogger(
    createProcessLogger({ level: config.logLevel, format: config.logFormat, quietStartup: config.logQuietStartup }),
  );
  const app = await createApp(config);
  exitGracefullyOnSignals(app, config);
  await app.listen(config.port, '0.0.0.0');
  return app;
}

if (require.main === module) {
  bootstrap().catch((err) => {
    process.stderr.write(`fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
