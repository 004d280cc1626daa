import { nextDailyAt, zonedInstant } from '../common/zoned-time';
import { dailyRange, wompiDates } from './run-range';

describe('reconciliation ranges', () => {
  it('reads local midnight in Bogota (UTC-5) as 05:00Z', () => {
    expect(zonedInstant(2025, 10, 21, 0, 'America/Bogota').toISOString()).toBe('2025-11-21T05:00:00.000Z');
  });

  it('covers the previous Bogota day plus the overlap', () => {
    // 03:00 in Bogota on Nov 21 = 08:00Z
    const r = dailyRange(new Date('2025-11-21T08:00:00.000Z'), 'America/Bogota', 6);
    expect(r.until.toISOString()).toBe('2025-11-21T05:00:00.000Z');
    expect(r.from.toISOString()).toBe('2025-11-19T23:00:00.000Z');
  });

  it('takes the local date, not the UTC one (01:00Z is still the previous day in Bogota)', () => {
    const r = dailyRange(new Date('2025-11-21T01:00:00.000Z'), 'America/Bogota', 0);
    expect([r.from.toISOString(), r.until.toISOString()]).toEqual([
      '2025-11-19T05:00:00.000Z',
      '2025-11-20T05:00:00.000Z',
    ]);
  });

  it('keeps local days whole across a DST change', () => {
    // Europe/Madrid switched to summer time on 2025-03-30: that day lasts 23 h
    const r = dailyRange(new Date('2025-03-31T10:00:00.000Z'), 'Europe/Madrid', 0);
    expect([r.from.toISOString(), r.until.toISOString()]).toEqual([
      '2025-03-29T23:00:00.000Z',
      '2025-03-30T22:00:00.000Z',
    ]);
  });

  it('finds the next 03:00 in the zone', () => {
    expect(nextDailyAt(new Date('2025-11-21T07:59:00.000Z'), 3, 'America/Bogota').toISOString()).toBe(
      '2025-11-21T08:00:00.000Z',
    );
    expect(nextDailyAt(new Date('2025-11-21T08:00:00.000Z'), 3, 'America/Bogota').toISOString()).toBe(
      '2025-11-22T08:00:00.000Z',
    );
  });

  it('asks Wompi for a day more on each side', () => {
    expect(wompiDates(new Date('2025-11-19T23:00:00.000Z'), new Date('2025-11-21T05:00:00.000Z'))).toEqual({
      fromDate: '2025-11-18',
      untilDate: '2025-11-22',
    });
  });
});
