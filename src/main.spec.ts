import type { INestApplication } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { AppConfig } from './config/app-config';
import { exitGracefullyOnSignals } from './main';
import { JobQueue } from './queue/job-queue.port';

/** The order of a shutdown, with the app and the queue faked (the real thing: test/roles/graceful-shutdown.spec.ts). */
describe('exitGracefullyOnSignals', () => {
  const calls: string[] = [];
  let closeApp!: () => void;
  const queue = { drain: jest.fn(async () => (calls.push('queue.drain'), true)) };
  const server = Object.assign(new EventEmitter(), {
    close: () => calls.push('server.close'),
    closeIdleConnections: () => undefined,
  });
  const app = {
    get: (token: unknown) => (token === JobQueue ? queue : undefined),
    getHttpServer: () => server,
    close: () => (calls.push('app.close'), new Promise<void>((r) => (closeApp = r))),
  } as unknown as INestApplication;
  const config = { shutdownTimeoutMs: 5_000 } as AppConfig;
  let listeners: NodeJS.SignalsListener[] = [];

  afterEach(() => {
    for (const l of listeners) process.removeListener('SIGTERM', l);
    listeners = [];
  });

  it('pauses the queue workers first, then stops the HTTP server and closes the app; exit 0 once closed', async () => {
    const exits: number[] = [];
    const before = process.listeners('SIGTERM');
    exitGracefullyOnSignals(app, config, (c) => exits.push(c));
    listeners = process.listeners('SIGTERM').filter((l) => !before.includes(l));
    expect(listeners).toHaveLength(1);
    listeners[0]('SIGTERM');
    expect(queue.drain).toHaveBeenCalledWith(5_000);
    expect(calls).toEqual(['queue.drain', 'server.close', 'app.close']);
    expect(exits).toEqual([]); // still draining
    closeApp();
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([0]);
  });
});
