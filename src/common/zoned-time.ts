/** Wall-clock time in an IANA zone, DST-safe, through Intl (no time-zone library). */
const DAY_MS = 86_400_000;

/** The zone's offset from UTC at `at`, in ms (Bogota: -5 h). */
function offsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The local calendar date (y, m, d) of `at` in the zone. */
export function localDate(at: Date, timeZone: string): { y: number; m: number; d: number } {
  const local = new Date(at.getTime() + offsetMs(at, timeZone));
  return { y: local.getUTCFullYear(), m: local.getUTCMonth(), d: local.getUTCDate() };
}

/** The instant the zone's clock reads y-m-d hh:00 (the earlier one across a DST change). */
export function zonedInstant(y: number, m: number, d: number, hour: number, timeZone: string): Date {
  const naive = Date.UTC(y, m, d, hour);
  let guess = naive - offsetMs(new Date(naive), timeZone);
  guess = naive - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

/** The next instant after `now` at which the zone's clock reads hh:00. */
export function nextDailyAt(now: Date, hour: number, timeZone: string): Date {
  const { y, m, d } = localDate(now, timeZone);
  for (let i = 0; i < 3; i++) {
    const at = zonedInstant(y, m, d + i, hour, timeZone);
    if (at.getTime() > now.getTime()) return at;
  }
  return new Date(now.getTime() + DAY_MS);
}
