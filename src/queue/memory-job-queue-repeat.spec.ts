import { QUEUES } from './job-queue.port';
import { MemoryJobQueue } from './memory-job-queue';

describe('MemoryJobQueue.repeatDaily', () => {
  afterEach(() => jest.useRealTimers());

  it('runs the job at the next hh:00 in the zone, then again a day later, and re-scheduling replaces the schedule', async () => {
    jest.useFakeTimers({ now: new Date('2025-11-21T07:00:00.000Z') }); // 02:00 in Bogota
    const q = new MemoryJobQueue();
    const fired: number[] = [];
    q.process(QUEUES.RECONCILIATION_RUNS, 'daily', async () => void fired.push(Date.now()), 1);
    await q.repeatDaily(QUEUES.RECONCILIATION_RUNS, 'daily', {}, { jobId: 'd', hour: 3, timeZone: 'America/Bogota' });
    await q.repeatDaily(QUEUES.RECONCILIATION_RUNS, 'daily', {}, { jobId: 'd', hour: 3, timeZone: 'America/Bogota' });
    await jest.advanceTimersByTimeAsync(60 * 60_000 - 1);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(10);
    expect(fired.map((t) => new Date(t).toISOString().slice(0, 16))).toEqual(['2025-11-21T08:00']);
    await jest.advanceTimersByTimeAsync(24 * 60 * 60_000);
    expect(fired.map((t) => new Date(t).toISOString().slice(0, 16))).toEqual(['2025-11-21T08:00', '2025-11-22T08:00']);
    await q.close(10);
  });
});
