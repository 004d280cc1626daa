import { Env, EnvReader } from './env-reader';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

/** How the process logs; read before anything else boots (`npm run dev` needs it first). */
export interface LogConfig {
  /** LOG_LEVEL (default info; warn under NODE_ENV=test) */
  level: LogLevel;
  /** LOG_FORMAT: json (one JSON object a line) or pretty (one human line each); default pretty in development only */
  format: LogFormat;
  /**
   * Nest's start-up chatter (modules initialised, every route mapped: ~60 lines) at debug
   * rather than info. On in development, where a person reads the terminal; off elsewhere.
   */
  quietStartup: boolean;
}

/** The logging part of the configuration, collecting problems on `r` (loadConfig). */
export function readLogConfig(r: EnvReader, nodeEnv: 'production' | 'development' | 'test'): LogConfig {
  return {
    level: r.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'warn' : 'info'),
    format: r.oneOf<LogFormat>('LOG_FORMAT', ['json', 'pretty'], nodeEnv === 'development' ? 'pretty' : 'json'),
    quietStartup: nodeEnv === 'development',
  };
}

/** Standalone, for the dev launcher's logger before the service's config exists; throws ConfigError. */
export function loadLogConfig(env: Env): LogConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['production', 'development', 'test'] as const, 'development');
  const cfg = readLogConfig(r, nodeEnv);
  r.throwIfProblems();
  return cfg;
}
