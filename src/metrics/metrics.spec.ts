import { QueueCounts, QueueName, QUEUES } from '../queue/job-queue.port';
import { Metrics } from './metrics';

const counts = (waiting: number, delayed = 0): QueueCounts => ({ waiting, delayed, active: 0, failed: 0 });
const samples = (text: string) => text.split('\n').filter((l) => l.startsWith('payments_queue_depth{'));

describe('payments_queue_depth', () => {
  it('has no sample until a queue port is observed', async () => {
    const text = await new Metrics(false).registry.metrics();
    expect(text).toContain('# TYPE payments_queue_depth gauge');
    expect(samples(text)).toEqual([]);
  });

  it('reads the waiting jobs of every queue at scrape time, and only then', async () => {
    const m = new Metrics(false);
    const port = {
      counts: jest.fn(async (q: QueueName, _timeoutMs: number) =>
        q === QUEUES.WEBHOOK_EVENTS ? counts(7, 3) : counts(0, 12),
      ),
    };
    m.observeQueues(port, 500);
    expect(port.counts).not.toHaveBeenCalled();
    expect(samples(await m.registry.metrics()).sort()).toEqual([
      'payments_queue_depth{queue="reconciliation"} 0',
      'payments_queue_depth{queue="reconciliation-runs"} 0',
      'payments_queue_depth{queue="webhook-events"} 7',
    ]);
    expect(port.counts.mock.calls.map((c) => c[1])).toEqual([500, 500, 500]);
    port.counts.mockImplementation(async () => counts(1));
    expect(samples(await m.registry.metrics()).sort()).toEqual([
      'payments_queue_depth{queue="reconciliation"} 1',
      'payments_queue_depth{queue="reconciliation-runs"} 1',
      'payments_queue_depth{queue="webhook-events"} 1',
    ]);
    expect(port.counts).toHaveBeenCalledTimes(6);
  });

  it('drops the sample of a queue it cannot read (no stale number) and still answers the scrape', async () => {
    const m = new Metrics(false);
    m.webhookReceived.inc();
    let down = false;
    m.observeQueues(
      {
        counts: async (q) =>
          down && q === QUEUES.WEBHOOK_EVENTS ? Promise.reject(new Error('ECONNREFUSED')) : counts(5),
      },
      500,
    );
    expect(samples(await m.registry.metrics())).toHaveLength(3);
    down = true;
    const text = await m.registry.metrics();
    expect(samples(text)).toEqual([
      'payments_queue_depth{queue="reconciliation"} 5',
      'payments_queue_depth{queue="reconciliation-runs"} 5',
    ]);
    expect(text).toContain('webhook_events_received_total 1');
    down = false;
    expect(samples(await m.registry.metrics())).toHaveLength(3);
  });

  it('is bounded even when the port never answers', async () => {
    const m = new Metrics(false);
    m.observeQueues({ counts: () => new Promise<QueueCounts>(() => undefined) }, 100);
    const started = Date.now();
    const text = await m.registry.metrics();
    expect(Date.now() - started).toBeLessThan(5000); // bounded (the port never answers); generous for a busy machine
    expect(samples(text)).toEqual([]);
  });
});

describe('reconciliation gauges', () => {
  const line = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name + ' '));

  it('read the last completed run at scrape time, and give no sample (not a 0 that pages) when they cannot', async () => {
    const m = new Metrics(false);
    expect(line(await m.registry.metrics(), 'payments_reconciliation_last_success_timestamp_seconds')).toEqual([]);
    let answer: Promise<{ lastSuccessAt: Date | null; unhealed: number }> = Promise.resolve({
      lastSuccessAt: new Date('2025-11-21T08:05:00Z'),
      unhealed: 2,
    });
    m.observeReconciliation(() => answer);
    const text = await m.registry.metrics();
    expect(line(text, 'payments_reconciliation_last_success_timestamp_seconds')).toEqual([
      'payments_reconciliation_last_success_timestamp_seconds 1763712300',
    ]);
    expect(line(text, 'payments_reconciliation_unhealed_discrepancies')).toEqual([
      'payments_reconciliation_unhealed_discrepancies 2',
    ]);
    answer = Promise.reject(new Error('db down'));
    expect(line(await m.registry.metrics(), 'payments_reconciliation_last_success_timestamp_seconds')).toEqual([]);
  });
});
