import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface HttpDrain {
  /** Stops taking work: no new connections, every connection closes after its current answer. */
  begin(): void;
  /** Cuts every connection still open (the drain window is over). */
  closeAll(): void;
  /** Answers currently being written (tests, logs). */
  inFlight(): number;
}

const SHUTTING_DOWN_BODY = JSON.stringify({
  type: 'https://payments.internal/problems/shutting-down',
  title: 'Service shutting down',
  status: 503,
  detail: 'This instance is shutting down and took no action; retry on a new connection',
});

/**
 * Shutdown draining for a Node HTTP server, installed before it listens (it wraps the
 * request listeners, so no handler sees a request the drain refuses).
 *
 * server.close() alone stops accepting connections but leaves kept-alive ones open: a client
 * that sends a request every 100 ms never leaves its socket idle, so it kept being served
 * and held the shutdown until SHUTDOWN_TIMEOUT_MS. Once draining:
 * - an answer already being prepared carries `Connection: close`, so its socket ends with it;
 * - a request arriving after the signal on a kept-alive socket is answered 503 problem+json
 *   with `Connection: close` and `Retry-After: 0`, without running: the rest of the app is
 *   being torn down (schedulers, queues), and nothing done means any caller may retry at once
 *   on a fresh connection (which lands on another pod);
 * - idle keep-alive sockets are closed now.
 */
export function installHttpDrain(server: Server): HttpDrain {
  const open = new Set<ServerResponse>();
  let draining = false;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      res.writeHead(503, {
        'content-type': 'application/problem+json',
        connection: 'close',
        'retry-after': '0',
        'content-length': Buffer.byteLength(SHUTTING_DOWN_BODY),
      });
      res.end(SHUTTING_DOWN_BODY);
      return;
    }
    open.add(res);
    const done = () => open.delete(res);
    res.once('finish', done);
    res.once('close', done);
    for (const h of handlers) h.call(server, req, res);
  });
  return {
    begin() {
      if (draining) return;
      draining = true;
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      server.close();
      server.closeIdleConnections();
    },
    closeAll() {
      server.closeAllConnections();
    },
    inFlight: () => open.size,
  };
}
