import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import type { LogConfig, LogFormat } from '../../config/log-config';
import { traceLogFields } from '../../tracing/trace-context';
import { scrub, scrubString } from './redact';

/**
 * One log format per process, for everything that logs: the service (nestjs-pino), the Nest
 * framework's own lines, the built-in sandbox and the dev launcher. `json` is pino's one object
 * a line (production); `pretty` turns each of those same objects — already scrubbed — into one
 * human line (development). Nothing else writes log lines (no Nest ConsoleLogger text).
 */

/**
 * pino runs `formatters.log` BEFORE the serializers, so on an access-log line it sees the raw
 * `res` (whose `.req` holds the parsed body) and `err`. `req` and `res` go to the serializers
 * untouched — they pick a few fields and scrub them — and everything else is scrubbed with a
 * bounded walk, so no request body is ever walked for the log.
 */
function scrubLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const { req, res, ...rest } = obj;
  const out = scrub(rest) as Record<string, unknown>;
  if (req !== undefined) out.req = req;
  if (res !== undefined) out.res = res;
  return out;
}

/** What every pino logger of the process shares: level, trace ids, scrubbing. */
export function basePinoOptions(level: string): LoggerOptions {
  return {
    level,
    // trace_id/span_id of the active span on every line (nothing when tracing is off)
    mixin: traceLogFields,
    formatters: { log: scrubLogObject },
    hooks: {
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrubString(a) : a)),
        );
      },
    },
  };
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** fields every line has, or shown in the line's head rather than as key=value */
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'context', 'msg', 'req', 'res', 'responseTime']);

function pad2(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Object && 'message' in v && 'type' in v) {
    const e = v as { type: string; message: string; stack?: string };
    const at = e.stack?.split('\n').find((l) => /^\s+at /.test(l));
    return JSON.stringify(`${e.type}: ${e.message}${at ? ` (${at.trim()})` : ''}`);
  }
  return JSON.stringify(v) ?? String(v);
}

/**
 * One pino JSON line as one human line:
 * `14:03:07.123 INFO  [Context] message key=value …` (access lines: `GET /path → 200 12ms`).
 * The level is coloured only when `colour` is set (a terminal).
 */
export function prettyLine(json: string, colour = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.replace(/\n+$/, '');
  }
  const t = new Date(typeof o.time === 'number' ? o.time : Date.now());
  const time = `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}.${pad2(t.getMilliseconds(), 3)}`;
  const lvl = typeof o.level === 'number' ? o.level : 30;
  const name = (LEVELS[lvl] ?? String(lvl)).padEnd(5);
  const level = colour ? `\u001b[${COLOURS[lvl] ?? '0'}m${name}\u001b[39m` : name;
  const parts = [time, level];
  if (typeof o.context === 'string') parts.push(`[${o.context}]`);
  const req = o.req as { id?: string; method?: string; path?: string } | undefined;
  const res = o.res as { status?: number } | undefined;
  if (req?.method && res) {
    parts.push(`${req.method} ${req.path} → ${res.status}`);
    if (typeof o.responseTime === 'number') parts.push(`${o.responseTime}ms`);
    if (req.id) parts.push(`req=${value(req.id)}`);
  } else if (o.msg !== undefined) parts.push(String(o.msg).replace(/\s*\n\s*/g, ' '));
  for (const [k, v] of Object.entries(o)) if (!HEAD.has(k) && v !== undefined) parts.push(`${k}=${value(v)}`);
  return parts.join(' ');
}

/** Where pino writes: its own stdout destination for json; a line-by-line prettifier for pretty. */
export function logDestination(format: LogFormat): DestinationStream | undefined {
  if (format !== 'pretty') return undefined;
  const colour = process.stdout.isTTY === true;
  return {
    write(chunk: string): void {
      let out = '';
      for (const line of chunk.split('\n')) if (line) out += prettyLine(line, colour) + '\n';
      process.stdout.write(out);
    },
  };
}

/** Nest's contexts whose `log` lines are start-up chatter (modules, routes, "starting"/"started"). */
const STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

const lastString = (params: unknown[]): string | undefined => {
  const last = params[params.length - 1];
  return typeof last === 'string' ? last : undefined;
};

/**
 * Forwards to `inner`, Nest's start-up chatter at debug instead of info (logQuietStartup: the
 * terminal of `npm run dev` shows what matters; LOG_LEVEL=debug shows the routes again).
 */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService & Required<Pick<LoggerService, 'debug' | 'verbose'>>) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = lastString(params);
    if (context && STARTUP_CONTEXTS.has(context)) this.inner.debug(message, ...params);
    else this.inner.log(message, ...params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug(message, ...params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose(message, ...params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...params);
  }
}

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * A Nest LoggerService on a plain pino logger with the service's options and destination: for
 * what logs before the service's own logger exists (the dev launcher, the built-in sandbox).
 * Same call shapes as nestjs-pino: `(message | object, [msg], …, [context])`.
 */
export class ProcessLogger implements LoggerService {
  private readonly pino: pino.Logger;

  constructor(config: LogConfig) {
    const dest = logDestination(config.format);
    this.pino = dest ? pino(basePinoOptions(config.level), dest) : pino(basePinoOptions(config.level));
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    const ps = [...params];
    const context = ps.length > 0 && typeof ps[ps.length - 1] === 'string' ? (ps.pop() as string) : undefined;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null)
      this.pino[level]({ context, ...message }, typeof ps[0] === 'string' ? ps[0] : undefined);
    else if (level === 'error' && typeof ps[0] === 'string')
      this.pino[level]({ context, stack: ps[0] }, String(message));
    else this.pino[level]({ context }, String(message));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}

/** The launcher's logger: the service's format and level, start-up chatter quiet when configured. */
export function createProcessLogger(config: LogConfig): LoggerService {
  const logger = new ProcessLogger(config);
  return config.quietStartup ? new QuietStartupLogger(logger) : logger;
}
