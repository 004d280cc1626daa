/* A small TCP fault proxy on loopback, controlled in-process by the drill runner: the service
 * reaches Postgres and RabbitMQ only through it, so a drill can cut them without touching the
 * shared servers. */
import * as net from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'hang';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class FaultProxy {
  private server?: net.Server;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = 'pass';
  port = 0;
  /** connections accepted in total (a reconnecting client shows up here) */
  accepted = 0;

  constructor(
    readonly name: string,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.onConnection(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Drops every open connection at once (both sides see a reset), whatever the mode. */
  drop(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.destroy(p, true);
    return n;
  }

  /**
   * pass: forward; refuse: close new connections at once; hang: accept but forward nothing,
   * and stop forwarding on the open ones (a partition). Back to pass, stalled pairs resume
   * (what TCP does when a partition heals) unless a side gave up meanwhile.
   */
  setMode(mode: ProxyMode): void {
    this.mode = mode;
    for (const p of this.pairs) {
      if (mode === 'hang') {
        p.client.pause();
        p.upstream.pause();
      } else {
        p.client.resume();
        p.upstream.resume();
      }
    }
  }

  get currentMode(): ProxyMode {
    return this.mode;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private onConnection(client: net.Socket): void {
    this.accepted++;
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    client.on('data', (b) => upstream.write(b));
    upstream.on('data', (b) => client.write(b));
    if (this.mode === 'hang') {
      client.pause();
      upstream.pause();
    }
    const end = () => this.destroy(pair);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  private destroy(p: Pair, reset = false): void {
    if (!this.pairs.delete(p)) return;
    for (const s of [p.client, p.upstream]) {
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
