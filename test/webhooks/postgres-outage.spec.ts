/* Postgres unreachable while Wompi delivers: 503 problem (Wompi retries), never a 200 for an
 * event that was not stored. The app reaches Postgres through a TCP proxy the test cuts. */
import * as net from 'node:net';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/own-redis';
import { pgQuery } from '../support/services';
import { deliver, signedEvent } from './support';

class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}

describe('webhook ingress: Postgres down during delivery', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    const u = new URL(db.url);
    proxy = new TcpProxy(await freePort(), { host: u.hostname, port: Number(u.port || 5432) });
    await proxy.start();
    u.host = `127.0.0.1:${proxy.port}`;
    t = await startTestApp({ wireWebhooks: false, env: { DATABASE_URL: u.toString(), ROLE: 'api' } });
  });
  afterAll(async () => {
    await proxy?.start().catch(() => undefined);
    await t?.close();
    await proxy?.stop();
    await db?.drop();
  });

  it('503 problem while Postgres is unreachable, 200 and stored once it is back', async () => {
    const secret = t.sandbox.keys.eventsSecret;
    expect((await deliver(t, signedEvent(secret))).status).toBe(200);

    await proxy.stop();
    const ev = signedEvent(secret);
    const res = await deliver(t, ev);
    expect(res.status).toBe(503);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
    expect(res.body.error_id).toEqual(expect.any(String));

    await proxy.start();
    // Wompi's retry of the same event, once Postgres answers again
    await waitFor('the ingress to recover', async () => (await deliver(t, ev)).status === 200, 15_000, 200);
    // the app's database is the one behind the proxy (not t.db)
    const rows = await pgQuery<{ event_key: string; delivery_count: number }>(
      db.url,
      `select event_key, delivery_count from webhook_inbox order by received_at`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({ event_key: `transaction.updated:${ev.data.transaction.id}:APPROVED`, delivery_count: 1 });
  });
});
