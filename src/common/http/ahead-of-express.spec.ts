/* A lane ahead of the app's request listener, and the drain installed after it (main.ts order). */
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { serveAheadOfExpress } from './ahead-of-express';
import { installHttpDrain } from './http-drain';

function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (/\r\n\r\n(ok|lane|\{.*\})$/s.test(received)) socket.end();
    });
    socket.on('close', () => resolve(received));
    socket.write(raw);
  });
}

describe('serveAheadOfExpress', () => {
  const seen: string[] = [];
  let server: http.Server;
  let drain: ReturnType<typeof installHttpDrain>;
  let port: number;
  beforeEach(async () => {
    seen.length = 0;
    server = http.createServer((req, res) => {
      seen.push(`app ${req.url}`);
      res.end('ok');
    });
    serveAheadOfExpress(server, (req, res) => {
      if (req.url !== '/lane') return false;
      seen.push('lane');
      res.end('lane');
      return true;
    });
    drain = installHttpDrain(server); // after the lane, as main.ts does after createApp
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it('answers what the lane takes and passes everything else to the listeners it wrapped', async () => {
    expect(await exchange(port, 'GET /lane HTTP/1.1\r\nHost: t\r\n\r\n')).toMatch(/\r\n\r\nlane$/);
    expect(await exchange(port, 'GET /other HTTP/1.1\r\nHost: t\r\n\r\n')).toMatch(/\r\n\r\nok$/);
    expect(seen).toEqual(['lane', 'app /other']);
  });

  it('a draining server answers 503 before the lane runs', async () => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /other HTTP/1.1\r\nHost: t\r\n\r\n');
    for (let i = 0; i < 500 && !received.includes('\r\n\r\nok'); i++) await new Promise((r) => setTimeout(r, 10));
    const sent = 'POST /lane HTTP/1.1\r\nHo';
    socket.write(sent);
    await new Promise((r) => setTimeout(r, 50));
    drain.begin();
    socket.write('st: t\r\ncontent-length: 2\r\n\r\n{}');
    await closed;
    const second = received.slice(received.indexOf('\r\n\r\nok') + 6);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(seen).toEqual(['app /other']);
  });
});
