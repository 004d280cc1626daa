import { Env, EnvReader, parseDuration } from './env-reader';

/** Faults that can be switched on at start (the admin API can change them at run time). */
export interface SandboxStartFaults {
  latency_ms?: number;
  error_rate?: number;
  webhooks?: { drop_next?: number; duplicate?: boolean; reorder?: boolean };
  buyer_retry?: boolean;
}

export interface SandboxKeyConfig {
  publicKey?: string;
  privateKey?: string;
  integritySecret?: string;
  eventsSecret?: string;
}

/** Everything `npm run sandbox` reads from the environment (and nothing else reads SANDBOX_*). */
export interface SandboxConfig {
  port: number;
  host: string;
  keys: SandboxKeyConfig;
  eventsUrl?: string;
  retryDelaysMs: number[];
  cardDelayMs: number;
  asyncDelayMs: number;
  deliveryTimeoutMs: number;
  silent: boolean;
  faults: SandboxStartFaults;
}

export const SANDBOX_DEFAULTS = {
  port: 3100,
  host: '127.0.0.1',
  retryDelays: '30m,3h,24h',
  cardDelayMs: 1000,
  asyncDelayMs: 3000,
  deliveryTimeoutMs: 10_000,
} as const;

const KEY_VARS = [
  ['SANDBOX_PUBLIC_KEY', 'publicKey', 'pub_test_'],
  ['SANDBOX_PRIVATE_KEY', 'privateKey', 'prv_test_'],
  ['SANDBOX_INTEGRITY_SECRET', 'integritySecret', 'test_integrity_'],
  ['SANDBOX_EVENTS_SECRET', 'eventsSecret', 'test_events_'],
] as const;

function durations(r: EnvReader, name: string, text: string): number[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const values = parts.map(parseDuration);
  if (parts.length === 0 || values.some((v) => v === undefined)) {
    r.problem(`${name} must be a comma-separated list of durations such as 30m,3h,24h`);
    return durations(r, name, SANDBOX_DEFAULTS.retryDelays);
  }
  return values as number[];
}

function rate(r: EnvReader, name: string): number | undefined {
  const v = r.raw(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d*\.?\d+$/.test(v) || n < 0 || n > 1) {
    r.problem(`${name} must be a number between 0 and 1`);
    return undefined;
  }
  return n;
}

/**
 * Reads the sandbox's variables, collecting every problem and throwing one ConfigError.
 * Keys must be sandbox keys: the sandbox only imitates Wompi's test environment.
 */
export function loadSandboxConfig(env: Env): SandboxConfig {
  const r = new EnvReader(env);
  const keys: SandboxKeyConfig = {};
  for (const [name, field, prefix] of KEY_VARS) {
    const v = r.raw(name);
    if (v === undefined) continue;
    if (!v.startsWith(prefix) || v.length <= prefix.length) r.problem(`${name} must start with ${prefix}`);
    else keys[field] = v;
  }
  const eventsUrl = r.raw('SANDBOX_EVENTS_URL');
  r.url('SANDBOX_EVENTS_URL', eventsUrl, ['http:', 'https:']);

  const faults: SandboxStartFaults = {};
  const latency = r.int('SANDBOX_LATENCY_MS', 0, 0, 600_000);
  if (latency > 0) faults.latency_ms = latency;
  const errorRate = rate(r, 'SANDBOX_ERROR_RATE');
  if (errorRate !== undefined && errorRate > 0) faults.error_rate = errorRate;
  const dropNext = r.int('SANDBOX_WEBHOOK_DROP_NEXT', 0, 0, 1_000_000);
  const duplicate = r.bool('SANDBOX_WEBHOOK_DUPLICATE', false);
  const reorder = r.bool('SANDBOX_WEBHOOK_REORDER', false);
  if (dropNext > 0 || duplicate || reorder) {
    faults.webhooks = {
      ...(dropNext > 0 ? { drop_next: dropNext } : {}),
      ...(duplicate ? { duplicate } : {}),
      ...(reorder ? { reorder } : {}),
    };
  }
  if (r.bool('SANDBOX_BUYER_RETRY', false)) faults.buyer_retry = true;

  const cfg: SandboxConfig = {
    port: r.int('SANDBOX_PORT', SANDBOX_DEFAULTS.port, 0, 65535),
    host: r.optional('SANDBOX_HOST', SANDBOX_DEFAULTS.host),
    keys,
    eventsUrl,
    retryDelaysMs: durations(
      r,
      'SANDBOX_RETRY_DELAYS',
      r.optional('SANDBOX_RETRY_DELAYS', SANDBOX_DEFAULTS.retryDelays),
    ),
    cardDelayMs: r.int('SANDBOX_CARD_DELAY_MS', SANDBOX_DEFAULTS.cardDelayMs, 0, 3_600_000),
    asyncDelayMs: r.int('SANDBOX_ASYNC_DELAY_MS', SANDBOX_DEFAULTS.asyncDelayMs, 0, 3_600_000),
    deliveryTimeoutMs: r.int('SANDBOX_DELIVERY_TIMEOUT_MS', SANDBOX_DEFAULTS.deliveryTimeoutMs, 1, 600_000),
    silent: r.bool('SANDBOX_SILENT', false),
    faults,
  };
  r.throwIfProblems();
  return cfg;
}

/** The one place the sandbox touches the process environment. */
export function loadSandboxConfigFromProcess(): SandboxConfig {
  return loadSandboxConfig(process.env);
}
