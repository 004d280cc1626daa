/* The lean transport against a real local node:http server: what it sends, what it reads, and
 * that its failures classify (networkErrorCode) as fetch's did. */
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Test } from '@nestjs/testing';
import { AppConfigModule } from '../config/config.module';
import { Metrics } from '../metrics/metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { CapturingLogger, json, LocalServer, until, txFixture, wompiTestConfig } from '../../test/wompi/support';
import { networkErrorCode } from './wompi-resilience';
import { isWompiTransportRequest, NodeHttpTransport, TransportInit } from './wompi-transport';
import { WompiGateway } from './wompi-gateway.port';
import { WompiHttpGateway } from './wompi-http.gateway';
import { WompiModule } from './wompi.module';
import { GatewayUnavailable } from './wompi.errors';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A server that counts its connections and remembers which socket served each request. */
class Server {
  handler: Handler = (_q, res) => res.end('{}');
  readonly connections = new Set<Socket>();
  connectionsEver = 0;
  readonly requests: {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
    socket: Socket;
  }[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        socket: req.socket,
      });
      this.handler(req, res, body);
    });
  });
  url = '';

  async start(): Promise<this> {
    this.server.on('connection', (s: Socket) => {
      this.connectionsEver++;
      this.connections.add(s);
      s.on('close', () => this.connections.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const get = (signal = new AbortController().signal): TransportInit => ({
  method: 'GET',
  headers: { accept: 'application/json' },
  signal,
  redirect: 'error',
});

const rejectionOf = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
};

const poolSize = (t: NodeHttpTransport) => {
  const agent = t.agentFor('http:');
  const count = (m: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(m).reduce((n, l) => n + (l?.length ?? 0), 0);
  return { busy: count(agent.sockets), free: count(agent.freeSockets) };
};

describe('NodeHttpTransport', () => {
  let server: Server;
  let transport: NodeHttpTransport;

  beforeEach(async () => {
    server = await new Server().start();
    transport = new NodeHttpTransport();
  });
  afterEach(async () => {
    transport.destroy();
    await server.close();
  });

  it('sends method, headers and a JSON body with its length; reads status, headers and the whole body', async () => {
    server.handler = (_q, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '7' });
      res.write('{"data":');
      setTimeout(() => res.end('{"ñ":"ü"}}'), 5);
    };
    const body = JSON.stringify({ amount_in_cents: 150000, name: 'Peñalosa' });
    const res = await transport.fetch(`${server.url}/v1/transactions?x=1`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: 'Bearer prv_test_x',
        'content-type': 'application/json',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      body,
      signal: new AbortController().signal,
      redirect: 'error',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('Retry-After')).toBe('7');
    expect(res.headers.get('x-absent')).toBeNull();
    expect(await res.text()).toBe('{"data":{"ñ":"ü"}}');
    const [seen] = server.requests;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/transactions?x=1');
    expect(seen.body).toBe(body);
    expect(seen.headers).toMatchObject({
      accept: 'application/json',
      authorization: 'Bearer prv_test_x',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });

  it('keeps the connection alive: two sequential calls are served by the same socket', async () => {
    server.handler = (_q, res) => json(res, 200, { ok: true });
    await (await transport.fetch(`${server.url}/a`, get())).text();
    await (await transport.fetch(`${server.url}/b`, get())).text();
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].socket).toBe(server.requests[0].socket);
    expect(server.connectionsEver).toBe(1);
    expect(poolSize(transport)).toEqual({ busy: 0, free: 1 });
  });

  it('an idle pooled socket is not a deadline: an answer slower than the idle timeout still arrives', async () => {
    const t = new NodeHttpTransport({ idleSocketMs: 30 });
    try {
      server.handler = (_q, res) => setTimeout(() => json(res, 200, { late: true }), 150);
      const res = await t.fetch(`${server.url}/slow`, get());
      expect(await res.text()).toBe('{"late":true}');
    } finally {
      t.destroy();
    }
  });

  it.each([301, 302, 303, 307, 308])(
    'redirect: error — a %i is a network failure (as fetch), its connection closed',
    async (status) => {
      server.handler = (_q, res) => {
        res.writeHead(status, { location: '/elsewhere' });
        res.end();
      };
      const err = await rejectionOf(transport.fetch(`${server.url}/moved`, get()));
      expect(networkErrorCode(err)).toEqual({ code: 'ERR_UNEXPECTED_REDIRECT', neverSent: false });
      expect(server.requests.map((r) => r.url)).toEqual(['/moved']); // not followed
      await until(() => server.connections.size === 0);
    },
  );

  it('a 3xx that is not a redirect status (304) is an answer, as with fetch', async () => {
    server.handler = (_q, res) => {
      res.writeHead(304);
      res.end();
    };
    expect((await transport.fetch(`${server.url}/cached`, get())).status).toBe(304);
    const viaFetch = await fetch(`${server.url}/cached`, { redirect: 'error' });
    expect(viaFetch.status).toBe(304);
  });

  it('connection refused: code ECONNREFUSED on cause, classified never sent', async () => {
    const dead = await new Server().start();
    const url = dead.url;
    await dead.close();
    const err = await rejectionOf(transport.fetch(`${url}/v1/transactions`, { ...get(), method: 'POST', body: '{}' }));
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    expect(networkErrorCode(err)).toEqual({ code: 'ECONNREFUSED', neverSent: true });
  });

  it('connection reset after the request was sent (no answer): ambiguous, not never sent', async () => {
    server.handler = (req) => req.socket.destroy();
    const err = await rejectionOf(transport.fetch(`${server.url}/v1/transactions`, get()));
    expect(server.requests).toHaveLength(1);
    expect(networkErrorCode(err)).toEqual({ code: 'ECONNRESET', neverSent: false });
  });

  it('connection reset in the middle of the answer: a failure, ambiguous, not a short body', async () => {
    server.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"data":{"id":"1');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const err = await rejectionOf(transport.fetch(`${server.url}/v1/transactions/1`, get()));
    expect(networkErrorCode(err)).toEqual({ code: 'ECONNRESET', neverSent: false });
  });

  it('abort through the signal rejects at once and destroys the socket', async () => {
    server.handler = () => undefined; // never answers
    const ctl = new AbortController();
    const call = transport.fetch(`${server.url}/hang`, get(ctl.signal));
    await until(() => server.requests.length === 1);
    const abortedAt = Date.now();
    ctl.abort();
    const err = await rejectionOf(call);
    expect(Date.now() - abortedAt).toBeLessThan(100);
    expect((err as Error).name).toBe('AbortError');
    await until(() => server.connections.size === 0, 1000);
    expect(poolSize(transport)).toEqual({ busy: 0, free: 0 });
  });

  it('a signal aborted before the call sends nothing', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await rejectionOf(transport.fetch(`${server.url}/never`, get(ctl.signal)));
    expect(server.connectionsEver).toBe(0);
  });

  it('decodes bytes as fetch does: invalid UTF-8 replaced, a leading BOM dropped, chunks split inside a character', async () => {
    const bodies = [
      Buffer.from([0x7b, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x7d]), // invalid sequences
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"ñ"}')]), // BOM
    ];
    for (const bytes of bodies) {
      server.handler = (_q, res) => res.end(bytes);
      const ours = await (await transport.fetch(`${server.url}/x`, get())).text();
      expect(ours).toBe(await new Response(bytes).text());
    }
    const euro = Buffer.from('"€€€"');
    server.handler = (_q, res) => {
      res.write(euro.subarray(0, 3)); // splits the first € (3 bytes) after its second byte
      setTimeout(() => res.end(euro.subarray(3)), 10);
    };
    expect(await (await transport.fetch(`${server.url}/x`, get())).text()).toBe('"€€€"');
  });

  it('decodes a gzip body if the server sends one unasked', async () => {
    server.handler = (_q, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync('{"zipped":true}'));
    };
    expect(await (await transport.fetch(`${server.url}/z`, get())).text()).toBe('{"zipped":true}');
  });

  it('refuses an answer over the size cap, declared or streamed, and closes its connection', async () => {
    const t = new NodeHttpTransport({ maxBodyBytes: 1024 });
    try {
      server.handler = (_q, res) => res.end('x'.repeat(2048)); // content-length declared
      expect(networkErrorCode(await rejectionOf(t.fetch(`${server.url}/big`, get()))).code).toBe('ERR_BODY_TOO_LARGE');
      server.handler = (_q, res) => {
        res.write('y'.repeat(800)); // chunked: the cap is hit while reading
        setTimeout(() => res.end('y'.repeat(800)), 10);
      };
      expect(networkErrorCode(await rejectionOf(t.fetch(`${server.url}/big`, get()))).code).toBe('ERR_BODY_TOO_LARGE');
      await until(() => server.connections.size === 0);
      server.handler = (_q, res) => res.end('x'.repeat(1024)); // at the cap: fine
      expect(await (await t.fetch(`${server.url}/ok`, get())).text()).toHaveLength(1024);
    } finally {
      t.destroy();
    }
  });

  it('classifies every failure as fetch did (never sent or ambiguous)', async () => {
    const both = async (url: string) => {
      const ours = networkErrorCode(await rejectionOf(transport.fetch(url, get())));
      const theirs = networkErrorCode(await rejectionOf(fetch(url, get()).then((r) => r.text())));
      return { ours: ours.neverSent, theirs: theirs.neverSent, codes: [ours.code, theirs.code] };
    };
    const dead = await new Server().start();
    const deadUrl = dead.url;
    await dead.close();
    const refused = await both(`${deadUrl}/x`);
    expect(refused).toMatchObject({ ours: true, theirs: true });
    server.handler = (req) => req.socket.destroy();
    const reset = await both(`${server.url}/x`);
    expect(reset).toMatchObject({ ours: false, theirs: false });
    server.handler = (req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 10);
    };
    const midAnswer = await both(`${server.url}/x`);
    expect(midAnswer).toMatchObject({ ours: false, theirs: false });
  });

  it('https verifies the certificate: a self-signed server is refused, as fetch refuses it', async () => {
    const pem = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
        '-keyout',
        '-',
        '-out',
        '-',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    ).toString();
    const key = pem.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0];
    const cert = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
    const tls = https.createServer({ key, cert }, (_q, res) => res.end('{}'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/v1/x`;
      const ours = networkErrorCode(await rejectionOf(transport.fetch(url, get())));
      const theirs = networkErrorCode(await rejectionOf(fetch(url, get())));
      expect(ours).toEqual({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', neverSent: false });
      expect(ours).toEqual(theirs);
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });

  it('destroy() closes the pooled sockets', async () => {
    server.handler = (_q, res) => json(res, 200, {});
    await (await transport.fetch(`${server.url}/a`, get())).text();
    expect(server.connections.size).toBe(1);
    transport.destroy();
    await until(() => server.connections.size === 0, 1000);
  });

  it('marks its agents so the http auto-instrumentation skips them', () => {
    expect(isWompiTransportRequest({ agent: transport.agentFor('http:') })).toBe(true);
    expect(isWompiTransportRequest({ agent: transport.agentFor('https:') })).toBe(true);
    expect(isWompiTransportRequest({ agent: new http.Agent() })).toBe(false);
    expect(isWompiTransportRequest({})).toBe(false);
  });
});

describe('WompiHttpGateway over the lean transport', () => {
  let server: LocalServer;
  const metrics = new Metrics();
  const logger = new CapturingLogger();
  beforeAll(async () => {
    server = await new LocalServer().start();
  });
  afterAll(() => server.close());

  it('a GET answered with a redirect is a network error, retried like one, then unavailable', async () => {
    server.reset((_r, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example/' });
      res.end();
    });
    const g = new WompiHttpGateway(wompiTestConfig(server.baseUrl), metrics, { logger });
    try {
      const err = await rejectionOf(g.getTransaction('1-2-3'));
      expect(err).toBeInstanceOf(GatewayUnavailable);
      expect((err as Error).message).toContain('ERR_UNEXPECTED_REDIRECT');
      expect(server.received).toHaveLength(3);
    } finally {
      g.onApplicationShutdown();
    }
  });

  it('still takes an injected fetch (a real Response satisfies the seam)', async () => {
    server.reset((_r, res) => json(res, 200, { data: txFixture() }));
    let calls = 0;
    const g = new WompiHttpGateway(wompiTestConfig(server.baseUrl), metrics, {
      logger,
      fetch: (url, init) => {
        calls++;
        return fetch(url, init);
      },
    });
    expect((await g.getTransaction('15113-1755396264-52249')).id).toBe('15113-1755396264-52249');
    expect(calls).toBe(1);
  });

  it('closing the Nest module closes the keep-alive sockets to Wompi', async () => {
    const own = await new LocalServer().start();
    try {
      own.reset((_r, res) => json(res, 200, { data: txFixture() }));
      const moduleRef = await Test.createTestingModule({
        imports: [AppConfigModule.forRoot(wompiTestConfig(own.baseUrl)), MetricsModule, WompiModule],
      }).compile();
      await moduleRef.init();
      await moduleRef.get(WompiGateway).getTransaction('15113-1755396264-52249');
      expect(own.received).toHaveLength(1);
      const open = () => (own as unknown as { sockets: Set<Socket> }).sockets.size;
      expect(open()).toBe(1); // kept alive
      await moduleRef.close();
      await until(() => open() === 0, 1000);
    } finally {
      await own.close();
    }
  });
});
