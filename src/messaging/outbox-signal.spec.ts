import { OutboxSignal } from './outbox-signal';

describe('OutboxSignal', () => {
  it('wakes a waiter at once on a nudge', async () => {
    const s = new OutboxSignal();
    const started = Date.now();
    const waiting = s.wait(10_000);
    s.nudge();
    await waiting;
    expect(Date.now() - started).toBeLessThan(5000); // well before the 10 s timeout, even on a busy machine
  });

  it('remembers a nudge that came while nobody waited', async () => {
    const s = new OutboxSignal();
    s.nudge();
    const started = Date.now();
    await s.wait(10_000);
    expect(Date.now() - started).toBeLessThan(5000); // well before the 10 s timeout, even on a busy machine
  });

  it('times out without a nudge', async () => {
    const s = new OutboxSignal();
    const started = Date.now();
    await s.wait(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
