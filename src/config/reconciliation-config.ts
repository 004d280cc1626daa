import type { ReconciliationConfig, Role } from './app-config';
import type { EnvReader } from './env-reader';

/** Whether `tz` is an IANA time zone this runtime knows (Intl refuses unknown ones). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * RECONCILIATION_* (docs/reconciliation.md). The daily run is scheduled by worker processes
 * only, so ENABLED defaults to off in the api role (nothing there would run it anyway).
 */
export function loadReconciliation(r: EnvReader, role: Role): ReconciliationConfig {
  const timeZone = r.optional('RECONCILIATION_TZ', 'America/Bogota');
  if (!isTimeZone(timeZone)) r.problem('RECONCILIATION_TZ must be an IANA time zone such as America/Bogota');
  return {
    enabled: r.bool('RECONCILIATION_ENABLED', role !== 'api'),
    hour: r.int('RECONCILIATION_HOUR', 3, 0, 23),
    timeZone: isTimeZone(timeZone) ? timeZone : 'America/Bogota',
    overlapHours: r.int('RECONCILIATION_OVERLAP_HOURS', 6, 0, 72),
    pageSize: r.int('RECONCILIATION_PAGE_SIZE', 100, 1, 500),
    maxRangeDays: r.int('RECONCILIATION_MAX_RANGE_DAYS', 31, 1, 366),
    maxWaitMs: r.int('RECONCILIATION_MAX_WAIT_MS', 6 * 3_600_000, 1000, 86_400_000),
  };
}
