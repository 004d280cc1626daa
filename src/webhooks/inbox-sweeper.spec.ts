import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { InboxDispatcher } from './inbox-dispatcher';
import { InboxStore } from './inbox.store';
import { InboxSweeper, sweepIntervalMs } from './inbox-sweeper';

function sweeperWith(claimed: string[], enqueueResults: boolean[]) {
  const unclaimed: string[][] = [];
  const enqueued: string[] = [];
  const store = {
    claimDue: jest.fn(async () => claimed.map((id) => ({ id, prev: null }))),
    unclaim: jest.fn(async (ids: string[]) => void unclaimed.push(ids)),
    oldestReceivedAgeSeconds: jest.fn(async () => 42),
  } as unknown as InboxStore;
  const results = [...enqueueResults];
  const dispatcher = {
    enqueue: jest.fn(async (_id: string, jobId: string) => (enqueued.push(jobId), results.shift() ?? true)),
  } as unknown as InboxDispatcher;
  const metrics = new Metrics(false);
  const sweeper = new InboxSweeper({ inboxSweepAfterMs: 2000 } as AppConfig, store, dispatcher, metrics);
  return { sweeper, store, dispatcher, metrics, unclaimed, enqueued };
}

describe('InboxSweeper', () => {
  it('re-enqueues claimed rows with sweep job ids and publishes the lag', async () => {
    const s = sweeperWith(['a', 'b'], [true, true]);
    expect(await s.sweeper.sweep()).toBe(2);
    expect(s.store.claimDue).toHaveBeenCalledWith(2000, 200);
    expect(s.enqueued).toEqual([
      expect.stringMatching(/^inbox:a:sweep:\d+$/),
      expect.stringMatching(/^inbox:b:sweep:\d+$/),
    ]);
    expect(s.unclaimed).toEqual([[]]);
    expect((await s.metrics.webhookInboxLag.get()).values[0].value).toBe(42);
  });

  it('stops trying once the queue is unreachable and releases the rest of the claim', async () => {
    const s = sweeperWith(['a', 'b', 'c'], [true, false]);
    expect(await s.sweeper.sweep()).toBe(1);
    expect(s.enqueued).toHaveLength(2); // c is not attempted: no 1.5 s timeout per row during an outage
    expect(s.unclaimed).toEqual([['b', 'c']]);
  });

  it('skips a tick while the previous one runs', async () => {
    const s = sweeperWith(['a'], [true]);
    await Promise.all([s.sweeper.tick(), s.sweeper.tick()]);
    expect(s.store.claimDue).toHaveBeenCalledTimes(1);
  });

  it('sweeps every half bound, within 250 ms and 5 s', () => {
    expect(sweepIntervalMs(100)).toBe(250);
    expect(sweepIntervalMs(2000)).toBe(1000);
    expect(sweepIntervalMs(60_000)).toBe(5000);
  });
});
