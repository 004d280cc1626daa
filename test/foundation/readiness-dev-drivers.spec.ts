/* Readiness names what is really there. In `npm run dev` (in-process queue, events to the log)
 * there is no Redis or RabbitMQ, so /health/ready reports `queue` (driver memory) and `bus`
 * (driver log), never a `redis: up` or `rabbitmq: up` it did not check. With Bull and RabbitMQ
 * (production: config refuses the memory queue there) the entries stay `redis` and `rabbitmq`,
 * as the chart's probes and dashboards read them (health-and-auth.spec.ts). */
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';

describe('readiness in dev mode (QUEUE_DRIVER=memory, BUS_DRIVER=log)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { QUEUE_DRIVER: 'memory', BUS_DRIVER: 'log', ROLE: 'all' } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('reports the memory queue and the log bus, and no Redis or RabbitMQ', async () => {
    expect([t.config.queueDriver, t.config.busDriver]).toEqual(['memory', 'log']);
    const ready = await request(t.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({
      database: { status: 'up' },
      queue: { status: 'up', driver: 'memory' },
      bus: { status: 'up', driver: 'log' },
    });
    for (const part of ['info', 'details', 'error'] as const) {
      expect(ready.body[part]).not.toHaveProperty('redis');
      expect(ready.body[part]).not.toHaveProperty('rabbitmq');
    }
  });
});
