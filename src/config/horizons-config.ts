import type { HorizonsConfig } from './app-config';
import { EnvReader, parseDuration } from './env-reader';

/** The fallback entry of a per-method list: every payment method not named. */
export const ANY_METHOD = '*';

export const HORIZON_DEFAULTS = {
  /** a card still PENDING after an hour is a 3-D Secure the buyer walked away from */
  pendingHorizons: 'CARD=1h,*=24h',
  /** cards settle in seconds, so ask about a stuck one more often; bank and wallet flows take the buyer minutes to hours */
  pollMaxIntervals: 'CARD=5m,*=30m',
} as const;

/**
 * Parses `METHOD=duration` pairs (`CARD=1h,PSE=24h,*=24h`): keys are Wompi
 * `payment_method_type` values or `*`, durations `30s`, `5m`, `1h`, `1d`. The result always has
 * a `*` entry (the default's when the list names none). Problems are reported under `name`.
 */
export function parseMethodDurations(
  r: EnvReader,
  name: string,
  fallback: string,
  minS: number,
  maxS: number,
): Record<string, number> {
  const text = r.optional(name, fallback);
  const out: Record<string, number> = {};
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [key, value, ...rest] = entry.split('=').map((p) => p.trim());
    const ms = value ? parseDuration(value) : undefined;
    if (rest.length || !/^([A-Z][A-Z0-9_]{0,31}|\*)$/.test(key ?? '') || ms === undefined) {
      r.problem(
        `${name} entry "${entry.slice(0, 40)}" must be METHOD=duration (e.g. CARD=1h; * for every other method)`,
      );
      continue;
    }
    if (ms < minS * 1000 || ms > maxS * 1000) {
      r.problem(`${name} entry ${key} must be between ${minS} s and ${maxS} s`);
      continue;
    }
    if (key in out) r.problem(`${name} names ${key} more than once`);
    out[key] = ms / 1000;
  }
  if (!(ANY_METHOD in out))
    out[ANY_METHOD] = parseMethodDurations(new EnvReader({}), name, fallback, minS, maxS)[ANY_METHOD];
  return out;
}

/** BUYER_RETRY_WINDOW_S, PENDING_HORIZONS, PENDING_POLL_MAX_INTERVALS, CHECKOUT_SESSION_DEFAULT_TTL_S. */
export function loadHorizons(r: EnvReader): HorizonsConfig {
  return {
    buyerRetryWindowS: r.int('BUYER_RETRY_WINDOW_S', 300, 0, 3600),
    pendingHorizonsS: parseMethodDurations(r, 'PENDING_HORIZONS', HORIZON_DEFAULTS.pendingHorizons, 1, 30 * 86_400),
    pollMaxIntervalsS: parseMethodDurations(
      r,
      'PENDING_POLL_MAX_INTERVALS',
      HORIZON_DEFAULTS.pollMaxIntervals,
      1,
      86_400,
    ),
    checkoutSessionTtlS: r.int('CHECKOUT_SESSION_DEFAULT_TTL_S', 86_400, 1, 30 * 86_400),
  };
}

/** The value for a payment method: its own entry, else `*`. */
export function forMethod(values: Record<string, number>, method: string | null | undefined): number {
  return (method && values[method]) || values[ANY_METHOD];
}
