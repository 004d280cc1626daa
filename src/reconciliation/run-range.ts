/** The time arithmetic of reconciliation ranges (local days: ../common/zoned-time.ts). */
import { localDate, zonedInstant } from '../common/zoned-time';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The daily run's range at `now`: the whole previous local day, plus `overlapHours` before it
 * (a transaction near midnight, or one a late report moved, is looked at twice rather than never).
 */
export function dailyRange(now: Date, timeZone: string, overlapHours: number): { from: Date; until: Date } {
  const { y, m, d } = localDate(now, timeZone);
  const until = zonedInstant(y, m, d, 0, timeZone);
  const dayStart = zonedInstant(y, m, d - 1, 0, timeZone);
  return { from: new Date(dayStart.getTime() - overlapHours * HOUR_MS), until };
}

const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * Wompi's `from_date`/`until_date` are calendar dates in a zone it does not document: ask for
 * one more day on each side and keep what was created inside [from, until) ourselves.
 */
export function wompiDates(from: Date, until: Date): { fromDate: string; untilDate: string } {
  return { fromDate: isoDate(from.getTime() - DAY_MS), untilDate: isoDate(until.getTime() + DAY_MS) };
}
