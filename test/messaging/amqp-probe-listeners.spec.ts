/* While RabbitMQ is unreachable, every readiness probe used to leave one 'connect' listener on
 * the channel wrapper (ChannelWrapper.waitForConnect never removes it on our timeout): after
 * ten probes Node warned MaxListenersExceededWarning, and a long outage grew it without bound. */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { EventBus } from '../../src/messaging/event-bus.port';
import { startTestApp, TestApp } from '../support/app';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('readiness probes while RabbitMQ is unreachable', () => {
  let t: TestApp;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  beforeAll(async () => {
    process.on('warning', onWarning);
    t = await startTestApp({
      env: { ROLE: 'api', AMQP_URL: `amqp://guest:guest@127.0.0.1:${await closedPort()}` },
      wireWebhooks: false,
    });
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await t?.close();
  });

  it('50 probes add no listener and raise no MaxListenersExceededWarning', async () => {
    const bus = t.app.get(EventBus) as unknown as { channel: EventEmitter; connection: EventEmitter };
    const before = {
      channel: bus.channel.listenerCount('connect'),
      failed: bus.connection.listenerCount('connectFailed'),
    };
    const statuses: number[] = [];
    const rabbit: unknown[] = [];
    // in batches, as several kubelets/load balancers would probe
    for (let batch = 0; batch < 5; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${t.url}/health/ready`)));
      for (const a of answers) {
        statuses.push(a.status);
        const body = (await a.json()) as { info?: Record<string, unknown>; error?: Record<string, unknown> };
        rabbit.push(body.info?.rabbitmq ?? body.error?.rabbitmq);
      }
    }
    expect(bus.channel.listenerCount('connect')).toBeLessThanOrEqual(before.channel + 1);
    expect(bus.connection.listenerCount('connectFailed')).toBeLessThanOrEqual(before.failed + 1);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    // the api does not need RabbitMQ to serve: ready throughout, the broker reported as information
    expect(statuses).toEqual(statuses.map(() => 200));
    for (const r of rabbit) expect(r).toMatchObject({ status: 'down', required: false });
  }, 60_000);
});
