import type { Queue } from 'bull';
import { BullJobQueue } from './bull-job-queue';
import { QUEUES, QueueName, QueueUnavailable } from './job-queue.port';

function fakeQueue(status: string, getJobCounts: () => Promise<Record<string, number>>): Queue {
  return { client: { status }, getJobCounts: jest.fn(getJobCounts) } as unknown as Queue;
}
const adapter = (q: Queue) => new BullJobQueue(new Map<QueueName, Queue>([[QUEUES.WEBHOOK_EVENTS, q]]));

describe('BullJobQueue.counts', () => {
  it('maps Bull counts; jobs in the paused list are waiting too', async () => {
    const q = fakeQueue('ready', async () => ({
      waiting: 4,
      paused: 2,
      delayed: 3,
      active: 1,
      completed: 9,
      failed: 5,
    }));
    expect(await adapter(q).counts(QUEUES.WEBHOOK_EVENTS, 500)).toEqual({
      waiting: 6,
      delayed: 3,
      active: 1,
      failed: 5,
    });
  });

  it('gives up after the timeout when Redis does not answer', async () => {
    const q = fakeQueue('ready', () => new Promise(() => undefined));
    const started = Date.now();
    await expect(adapter(q).counts(QUEUES.WEBHOOK_EVENTS, 100)).rejects.toBeInstanceOf(QueueUnavailable);
    expect(Date.now() - started).toBeLessThan(5000); // gave up (the call never answers); generous for a busy machine
  });

  it.each(['reconnecting', 'end'])(
    'answers at once, without queueing a command, while the connection is %s',
    async (status) => {
      const q = fakeQueue(status, async () => ({}));
      await expect(adapter(q).counts(QUEUES.WEBHOOK_EVENTS, 10_000)).rejects.toBeInstanceOf(QueueUnavailable);
      expect(q.getJobCounts).not.toHaveBeenCalled();
    },
  );
});
