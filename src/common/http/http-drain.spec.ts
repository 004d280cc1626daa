/* The drain on a real in-process HTTP server, driven by a raw socket so each byte's timing is ours. */
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { installHttpDrain } from './http-drain';

interface Rig {
  server: http.Server;
  drain: ReturnType<typeof installHttpDrain>;
  handled: string[];
  /** the server's side of each connection (bytesRead tells what it has taken in) */
  accepted: net.Socket[];
  release: () => void;
  port: number;
}

async function rig(): Promise<Rig> {
  const handled: string[] = [];
  const r = { handled, accepted: [], release: () => undefined } as unknown as Rig;
  r.server = http.createServer((req, res) => {
    handled.push(req.url!);
    if (req.url === '/held') r.release = () => res.end('held done');
    else res.end('ok');
  });
  r.server.on('connection', (s: net.Socket) => r.accepted.push(s));
  r.drain = installHttpDrain(r.server);
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.port = (r.server.address() as AddressInfo).port;
  return r;
}

/** A raw connection: what it received, and a promise of its close. */
function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => received, closed };
}

const until = async (what: string, fn: () => boolean) => {
  for (let i = 0; i < 500 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!fn()) throw new Error(`timed out waiting for ${what}`);
};

describe('installHttpDrain', () => {
  let r: Rig;
  beforeEach(async () => (r = await rig()));
  afterEach(() => r.server.closeAllConnections());

  it('answers the request in flight with Connection: close, then the server closes the socket', async () => {
    const c = connect(r.port);
    c.socket.write('GET /held HTTP/1.1\r\nHost: t\r\n\r\n');
    await until('the held request to run', () => r.handled.includes('/held'));
    r.drain.begin();
    expect(r.drain.inFlight()).toBe(1);
    r.release();
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(r.drain.inFlight()).toBe(0);
  });

  it('a request arriving on a kept-alive socket after the signal gets 503 problem+json with Connection: close and does not run', async () => {
    const c = connect(r.port);
    const first = 'GET /first HTTP/1.1\r\nHost: t\r\n\r\n';
    c.socket.write(first);
    await until('the first answer', () => c.received().includes('\r\n\r\nok'));
    expect(c.received()).toMatch(/connection: keep-alive/i);
    const partial = 'POST /second HTTP/1.1\r\nHo'; // arriving as the signal comes
    c.socket.write(partial);
    await until(
      'the server to take in the partial request',
      () => r.accepted[0]?.bytesRead === first.length + partial.length,
    );
    r.drain.begin();
    c.socket.write('st: t\r\ncontent-length: 2\r\n\r\n{}');
    await c.closed;
    const second = c.received().slice(c.received().indexOf('\r\n\r\nok') + 6);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 503,
      title: 'Service shutting down',
    });
    expect(r.handled).toEqual(['/first']);
  });

  it('closes idle keep-alive sockets and refuses new connections at once', async () => {
    const c = connect(r.port);
    c.socket.write('GET /first HTTP/1.1\r\nHost: t\r\n\r\n');
    await until('the first answer', () => c.received().includes('\r\n\r\nok'));
    r.drain.begin();
    await c.closed;
    const refused = await new Promise<boolean>((resolve) =>
      net
        .connect(r.port, '127.0.0.1')
        .on('connect', () => resolve(false))
        .on('error', () => resolve(true)),
    );
    expect(refused).toBe(true);
  });
});
