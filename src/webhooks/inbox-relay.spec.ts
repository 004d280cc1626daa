import { JobQueue, QueueUnavailable } from '../queue/job-queue.port';
import { InboxRelay, InboxSignal } from './inbox-relay';
import { ClaimedForRelay, InboxStore } from './inbox.store';

type Job = { data: { inboxId: string; trace?: unknown }; options: { jobId: string } };

function relayWith(claims: ClaimedForRelay[][], enqueueMany: jest.Mock) {
  const unclaimed: string[][] = [];
  const queue = { enqueueMany } as unknown as JobQueue;
  const store = {
    claimUnenqueued: jest.fn(async () => claims.shift() ?? []),
    unclaim: jest.fn(async (ids: string[]) => void unclaimed.push([...ids])),
  } as unknown as InboxStore;
  const signal = new InboxSignal();
  return { relay: new InboxRelay(queue, store, signal), store, unclaimed, signal };
}

const row = (id: string, status: ClaimedForRelay['status'] = 'RECEIVED', deliveryCount = 1, trace = null) =>
  ({ id, status, deliveryCount, trace }) as ClaimedForRelay;

describe('InboxRelay (worker role)', () => {
  it('hands one claim to the queue in one call: first job id for RECEIVED, a redelivery id for unsettled rows, the trace carried', async () => {
    const jobs: Job[][] = [];
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const { relay } = relayWith(
      [[row('a'), row('b', 'FAILED', 3), { ...row('c', 'UNCONFIRMED', 2), trace }]],
      jest.fn(async (_q, _n, js: Job[]) => void jobs.push(js)),
    );
    expect(await relay.runOnce()).toBe(3);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].map((j) => j.options.jobId)).toEqual(['inbox:a', 'inbox:b:redelivery:3', 'inbox:c:redelivery:2']);
    expect(jobs[0].map((j) => j.data)).toEqual([{ inboxId: 'a' }, { inboxId: 'b' }, { inboxId: 'c', trace }]);
  });

  it('unclaims the rows of a failed enqueue at once (not left to the sweeper) and reports the failure', async () => {
    const { relay, unclaimed } = relayWith(
      [[row('a'), row('b')]],
      jest.fn(async () => {
        throw new QueueUnavailable('redis down');
      }),
    );
    await expect(relay.runOnce()).rejects.toBeInstanceOf(QueueUnavailable);
    expect(unclaimed).toEqual([['a', 'b']]);
  });

  it('claims nothing more once nothing is left, and a nudge wakes it for the next row', async () => {
    const calls: string[][] = [];
    const claims = [[row('a')], [], [row('b')]];
    const { relay, store, signal } = relayWith(
      claims,
      jest.fn(async (_q, _n, js: Job[]) => void calls.push(js.map((j) => j.data.inboxId))),
    );
    relay.onApplicationBootstrap();
    const until = async (ok: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    await until(() => (store.claimUnenqueued as jest.Mock).mock.calls.length >= 2);
    expect(calls).toEqual([['a']]);
    signal.nudge();
    await until(() => calls.length >= 2);
    expect(calls).toEqual([['a'], ['b']]);
    await relay.beforeApplicationShutdown();
  });
});
