/**
 * The default HTTP transport under `WompiHttpClient`: one request/answer over node:http or
 * node:https with a keep-alive agent, instead of the global `fetch` (undici). Profiles of the
 * worker showed fetch's web streams, Headers objects and AbortSignal/DOMException machinery
 * as a large share of the CPU per applied event; this transport does only what the client
 * uses (docs/wompi-gateway.md#transport).
 *
 * It keeps fetch's contract where the client relies on it:
 * - `redirect: 'error'`: an answer with a redirect status (301, 302, 303, 307, 308) is a
 *   network failure and its connection is closed, as fetch does; other 3xx are answers.
 * - failures reject with an error whose `cause.code` carries the Node/undici code
 *   (ECONNREFUSED, ENOTFOUND, ECONNRESET, …), so `networkErrorCode` classifies them the same
 *   way: refused/DNS/unreachable/connect timeout = never sent, anything later = ambiguous.
 * - an abort of `init.signal` destroys the request (and its socket) at once and rejects.
 * - the body is read whole and decoded as UTF-8 (a leading BOM dropped, invalid bytes
 *   replaced), gzip/deflate/br bodies decoded; bodies over MAX_BODY_BYTES are a failure.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';

/** What the client reads of an answer: a real `Response` satisfies it, and so does ours. */
export interface TransportResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** What the client passes: assignable to `RequestInit`, so `fetch` itself can be injected. */
export interface TransportInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  redirect: 'error';
}

export type FetchLike = (url: string, init: TransportInit) => Promise<TransportResponse>;

/** An answer body larger than this is refused (Wompi's largest pages are a few hundred kB). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** undici's default connect timeout, with its code, so a slow connect stays "never sent". */
export const CONNECT_TIMEOUT_MS = 10_000;
/** An idle pooled socket is closed after this (undici's default keep-alive timeout). */
export const IDLE_SOCKET_MS = 4_000;

/** Marks this transport's agents, so the http auto-instrumentation leaves their requests alone. */
const WOMPI_AGENT = Symbol.for('wompi.transport.agent');

/**
 * For the http auto-instrumentation's `ignoreOutgoingRequestHook`: the client already makes one
 * span per Wompi call (path template only, never ids) and injects `traceparent` itself; a
 * second, auto-made span would carry the real path.
 */
export function isWompiTransportRequest(options: { agent?: unknown }): boolean {
  const agent = options.agent as { [WOMPI_AGENT]?: boolean } | undefined;
  return agent?.[WOMPI_AGENT] === true;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface TransportOptions {
  maxSockets?: number;
  maxBodyBytes?: number;
  connectTimeoutMs?: number;
  idleSocketMs?: number;
}

/** A failure before an answer was read; `cause.code` is what `networkErrorCode` reads. */
export class TransportError extends Error {
  declare readonly cause: Error & { code?: string };
  constructor(message: string, cause: Error & { code?: string }) {
    super(message, { cause });
    this.name = 'TransportError';
  }
}

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

class Answer implements TransportResponse {
  readonly headers: { get(name: string): string | null };
  constructor(
    readonly status: number,
    raw: http.IncomingHttpHeaders,
    private readonly body: string,
  ) {
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }
  text(): Promise<string> {
    return Promise.resolve(this.body);
  }
}

function decodeBody(buf: Buffer, encoding: string | undefined, maxBytes: number): string {
  const coding = encoding?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    const opts = { maxOutputLength: maxBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    if (coding === 'gzip' || coding === 'x-gzip') buf = zlib.gunzipSync(buf, opts);
    else if (coding === 'deflate') buf = zlib.inflateSync(buf, opts);
    else if (coding === 'br')
      buf = zlib.brotliDecompressSync(buf, {
        maxOutputLength: maxBytes,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      });
    else throw coded(`unsupported content-encoding ${coding}`, 'ERR_CONTENT_ENCODING');
  }
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * One instance per `WompiHttpClient`: its own keep-alive agents, closed by `destroy()`
 * (called on application shutdown).
 */
export class NodeHttpTransport {
  private readonly agentOptions: http.AgentOptions;
  private httpAgent?: http.Agent;
  private httpsAgent?: https.Agent;
  private readonly maxBodyBytes: number;
  private readonly connectTimeoutMs: number;

  constructor(options: TransportOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    // `timeout` here is the idle time of a pooled socket (a socket in use is bounded by the
    // caller's signal); a shorter `Keep-Alive: timeout=` from the server is honoured by Node.
    this.agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 64,
      scheduling: 'lifo',
      timeout: options.idleSocketMs ?? IDLE_SOCKET_MS,
    };
  }

  /** The `FetchLike` the client calls. */
  readonly fetch: FetchLike = (url, init) => this.request(url, init);

  /** Closes every pooled socket; a later call opens new ones. */
  destroy(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
    this.httpAgent = undefined;
    this.httpsAgent = undefined;
  }

  /** For tests: the agent a URL's requests go through. */
  agentFor(protocol: string): http.Agent {
    if (protocol === 'https:') return (this.httpsAgent ??= marked(new https.Agent(this.agentOptions)));
    if (protocol === 'http:') return (this.httpAgent ??= marked(new http.Agent(this.agentOptions)));
    throw new TypeError(`unsupported protocol ${protocol}`);
  }

  request(url: string, init: TransportInit): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      const { signal } = init;
      if (signal.aborted) return reject(abortReason(signal));
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      let agent: http.Agent;
      try {
        agent = this.agentFor(target.protocol);
      } catch (err) {
        return reject(
          new TransportError(`unsupported URL ${target.protocol}`, coded(String(err), 'ERR_INVALID_PROTOCOL')),
        );
      }
      const headers: http.OutgoingHttpHeaders =
        init.body === undefined ? init.headers : { ...init.headers, 'content-length': Buffer.byteLength(init.body) };

      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, answer?: TransportResponse) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (connectTimer) clearTimeout(connectTimer);
        if (err) reject(err);
        else resolve(answer as TransportResponse);
      };
      const fail = (err: Error & { code?: string }) => {
        req.destroy();
        finish(err instanceof TransportError ? err : new TransportError(`wompi transport: ${err.message}`, err));
      };
      const onAbort = () => {
        req.destroy();
        finish(abortReason(signal));
      };

      const req = (secure ? https : http).request(target, { method: init.method, headers, agent });
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('socket', (socket) => {
        if (!socket.connecting) return; // a pooled socket: already connected
        connectTimer = setTimeout(
          () => fail(coded(`connect timeout after ${this.connectTimeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT')),
          this.connectTimeoutMs,
        );
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          clearTimeout(connectTimer);
          connectTimer = undefined;
        });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          res.destroy();
          return fail(coded(`unexpected redirect (${status})`, 'ERR_UNEXPECTED_REDIRECT'));
        }
        const declared = Number(res.headers['content-length']);
        if (declared > this.maxBodyBytes) {
          res.destroy();
          return fail(coded(`answer of ${declared} bytes is over ${this.maxBodyBytes}`, 'ERR_BODY_TOO_LARGE'));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBodyBytes) {
            res.destroy();
            fail(coded(`answer over ${this.maxBodyBytes} bytes`, 'ERR_BODY_TOO_LARGE'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          let text: string;
          try {
            const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
            text = decodeBody(buf, res.headers['content-encoding'], this.maxBodyBytes);
          } catch (err) {
            return fail(err as Error);
          }
          finish(undefined, new Answer(status, res.headers, text));
        });
        res.on('close', () => {
          if (!res.complete) fail(coded('connection closed before the answer was complete', 'ECONNRESET'));
        });
      });
      req.end(init.body);
    });
  }
}

function marked<A extends http.Agent>(agent: A): A {
  return Object.assign(agent, { [WOMPI_AGENT]: true });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('aborted'), { name: 'AbortError' });
}
