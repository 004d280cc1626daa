import { PermanentJobError, QUEUES, QueueCounts, QueueName } from './job-queue.port';
import { MemoryJobQueue } from './memory-job-queue';

const W = QUEUES.WEBHOOK_EVENTS;
const R = QUEUES.RECONCILIATION;

/** Polls a condition on the event loop, bounded (the queue runs jobs on timers). */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const counts = (q: MemoryJobQueue, name: QueueName = W): Promise<QueueCounts> => q.counts(name);

describe('MemoryJobQueue.counts', () => {
  let q: MemoryJobQueue;
  beforeEach(() => {
    q = new MemoryJobQueue();
  });
  afterEach(async () => {
    await q.close(1000);
  });

  it('counts jobs with no handler as waiting, per queue, once per jobId; delayed ones apart', async () => {
    await q.enqueue(W, 'apply-event', { n: 1 }, { jobId: 'a' });
    await q.enqueue(W, 'apply-event', { n: 2 }, { jobId: 'b' });
    await q.enqueue(W, 'apply-event', { n: 2 }, { jobId: 'b' }); // same id: no second job
    await q.enqueue(W, 'apply-event', { n: 3 }, { jobId: 'c', delayMs: 60_000 });
    await q.enqueue(R, 'resolve', { n: 4 }, { jobId: 'd' });
    // the zero-delay timers fire and find no handler: still waiting
    await new Promise((r) => setTimeout(r, 20));
    expect(await counts(q)).toEqual({ waiting: 2, delayed: 1, active: 0, failed: 0 });
    expect(await counts(q, R)).toEqual({ waiting: 1, delayed: 0, active: 0, failed: 0 });
  });

  it('falls to zero once a handler has run the backlog', async () => {
    for (const id of ['a', 'b', 'c']) await q.enqueue(W, 'apply-event', {}, { jobId: id });
    expect((await counts(q)).waiting).toBe(3);
    const done: string[] = [];
    q.process(W, 'apply-event', async (job) => {
      done.push(job.id);
    });
    await until('the backlog to run', async () => (await counts(q)).waiting + (await counts(q)).active === 0);
    expect(await counts(q)).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
    expect(done.sort()).toEqual(['a', 'b', 'c']); // each once
  });

  it('shows a running job as active, and jobs held back by the concurrency limit as waiting (not delayed)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    q.process(W, 'apply-event', () => gate, 1);
    for (const id of ['a', 'b', 'c']) await q.enqueue(W, 'apply-event', {}, { jobId: id });
    await until('one job to be running', async () => (await counts(q)).active === 1);
    await new Promise((r) => setTimeout(r, 30)); // a few 10 ms re-checks of the busy slot
    expect(await counts(q)).toEqual({ waiting: 2, delayed: 0, active: 1, failed: 0 });
    release();
    await until('the backlog to run', async () => (await counts(q)).active + (await counts(q)).waiting === 0);
  });

  it('counts a retry in its backoff as delayed and a dead-lettered job as failed', async () => {
    q.process(W, 'flaky', async () => {
      throw new Error('try again');
    });
    q.process(W, 'poison', async () => {
      throw new PermanentJobError('never');
    });
    await q.enqueue(W, 'flaky', {}, { jobId: 'f', attempts: 3, backoff: { type: 'fixed', delayMs: 60_000 } });
    await q.enqueue(W, 'poison', {}, { jobId: 'p' });
    await until('both jobs to have run once', async () => {
      const c = await counts(q);
      return c.delayed === 1 && c.failed === 1;
    });
    expect(await counts(q)).toEqual({ waiting: 0, delayed: 1, active: 0, failed: 1 });
  });
});
