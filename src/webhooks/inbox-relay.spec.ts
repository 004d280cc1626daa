import { JobQueue, QueueUnavailable } from '../queue/job-queue.port';
import { InboxRelay, RELAY_BATCH } from './inbox-relay';
import { InboxStore } from './inbox.store';

function relayWith(enqueueMany: jest.Mock) {
  const marked: string[][] = [];
  const queue = { enqueueMany } as unknown as JobQueue;
  const store = {
    markEnqueuedMany: jest.fn(async (ids: string[]) => void marked.push([...ids])),
  } as unknown as InboxStore;
  return { relay: new InboxRelay(queue, store), marked };
}

const settled = (relay: InboxRelay) => relay.beforeApplicationShutdown();

describe('InboxRelay', () => {
  it('hands the rows submitted in one turn of the event loop to the queue in one call, and stamps them together', async () => {
    const calls: string[][] = [];
    const { relay, marked } = relayWith(
      jest.fn(
        async (_q, _n, jobs: { options: { jobId: string } }[]) => void calls.push(jobs.map((j) => j.options.jobId)),
      ),
    );
    for (let i = 0; i < 5; i++) relay.submit(`row-${i}`, `inbox:row-${i}`);
    await new Promise((r) => setImmediate(r));
    await settled(relay);
    expect(calls).toEqual([[0, 1, 2, 3, 4].map((i) => `inbox:row-${i}`)]);
    expect(marked).toEqual([[0, 1, 2, 3, 4].map((i) => `row-${i}`)]);
  });

  it(`splits a backlog into batches of ${RELAY_BATCH}`, async () => {
    const sizes: number[] = [];
    const { relay } = relayWith(jest.fn(async (_q, _n, jobs: unknown[]) => void sizes.push(jobs.length)));
    for (let i = 0; i < RELAY_BATCH * 2 + 1; i++) relay.submit(`r${i}`, `inbox:r${i}`);
    await new Promise((r) => setImmediate(r));
    await settled(relay);
    expect(sizes).toEqual([RELAY_BATCH, RELAY_BATCH, 1]);
  });

  it('leaves rows unstamped when the queue is unreachable (the sweeper takes them) and keeps going', async () => {
    let fail = true;
    const { relay, marked } = relayWith(
      jest.fn(async () => {
        if (fail) throw new QueueUnavailable('redis down');
      }),
    );
    relay.submit('a', 'inbox:a');
    await new Promise((r) => setImmediate(r));
    await settled(relay);
    expect(marked).toEqual([]);
    fail = false;
    relay.submit('b', 'inbox:b');
    await new Promise((r) => setImmediate(r));
    await settled(relay);
    expect(marked).toEqual([['b']]);
  });

  it('hands over what was submitted when the application shuts down', async () => {
    const { relay, marked } = relayWith(jest.fn(async () => undefined));
    relay.submit('late', 'inbox:late');
    await relay.beforeApplicationShutdown();
    expect(marked).toEqual([['late']]);
  });
});
