import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The Express instance the app is built on, with the routing policy decided once, before its
 * router exists (Express reads these settings when it creates the router and ignores later
 * changes): paths are case-sensitive and strict (no trailing slash), so `/V1/...` or
 * `/v1/checkout-sessions/` is a 404 rather than the same handler seen differently by a guard
 * or middleware that compares paths. `X-Powered-By` is never sent.
 */
export function createExpressInstance(): Express {
  const app = express();
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.disable('x-powered-by');
  return app;
}

/**
 * The request's path as the router matches it (Express' `req.path`, the pathname parseurl
 * takes even from an absolute-form target such as `POST http://host/v1/...`), without the
 * query. Every path comparison at the edge goes through this, so none can disagree with routing.
 */
export function requestPath(req: Request): string {
  return req.path;
}

/** The Swagger UI and its document (served only when DOCS_ENABLED). */
export function isDocsPath(path: string): boolean {
  return path === '/docs' || path.startsWith('/docs/') || path === '/docs-json';
}

const common = {
  frameguard: { action: 'deny' as const },
  // TLS ends at the Ingress; the header is harmless there and never spreads to sibling hosts
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** A JSON API renders nothing: no source of anything is allowed, nor framing. */
const apiHeaders = helmet({
  ...common,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
});

/** The Swagger UI runs its own bundle plus inline bootstrapping and styles, from this origin. */
const docsHeaders = helmet({
  ...common,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
    },
  },
});

/**
 * Security headers on every answer (errors included: they are set before anything can fail),
 * and `Cache-Control: no-store`: payment records and problem details must never sit in a
 * shared or browser cache. (The Swagger UI's static assets may set their own caching.)
 */
export const edgeHeaders: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  res.setHeader('Cache-Control', 'no-store');
  (isDocsPath(requestPath(req)) ? docsHeaders : apiHeaders)(req, res, next);
};

/**
 * The headers `edgeHeaders` sets on an API answer (any path but /docs), as a flat
 * `[name, value, name, value, …]` list for `res.writeHead`: for a handler that answers ahead
 * of Express (webhooks/webhook-ingress.handler.ts) with exactly the same security headers.
 * Computed once by running `edgeHeaders` itself on a recording response (none of its headers
 * depends on the request), so the two can never drift apart.
 */
export function apiEdgeHeaderList(): string[] {
  const headers = new Map<string, [string, string]>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name.toLowerCase(), [name, String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
    getHeader(name: string) {
      return headers.get(name.toLowerCase())?.[1];
    },
  };
  let finished = false;
  edgeHeaders(
    { method: 'POST', url: '/v1', path: '/v1', headers: {} } as unknown as Request,
    recorder as unknown as Response,
    (err?: unknown) => {
      if (err) throw err instanceof Error ? err : new Error(String(err));
      finished = true;
    },
  );
  if (!finished) throw new Error('edgeHeaders did not finish synchronously');
  return [...headers.values()].flat();
}

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const CLIENT_ERROR_DETAIL: Record<number, string> = {
  400: 'The request could not be parsed as HTTP/1.1 (request line, header syntax or framing)',
  408: 'The request was not received in time',
  413: 'The chunk extensions are larger than this server accepts',
  431: 'The request header section is larger than this server accepts',
};

/**
 * Node's HTTP parser refuses some requests before Express sees them (header section too large,
 * malformed request line or header, ambiguous framing) and would answer in plain text. This
 * answers problem+json instead, with `Connection: close` (the stream cannot be trusted after a
 * parse error), unless a response on that socket has already begun.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inProgress =
      (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || inProgress) {
      socket.destroy();
      return;
    }
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
    const title = (STATUS_CODES[status] ?? 'Bad Request').toLowerCase().replace(/^./, (c) => c.toUpperCase());
    const body = JSON.stringify({ type: 'about:blank', title, status, detail: CLIENT_ERROR_DETAIL[status] });
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/problem+json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Cache-Control: no-store',
        'X-Content-Type-Options: nosniff',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
