import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Answers the request itself (returns true) or leaves it untouched to the listeners it wraps (false). */
export type AheadOfExpress = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Serves some requests from the HTTP server's own request listener, before Express (its
 * init, prototype swap, router and middleware) sees them: wraps the server's current 'request'
 * listeners the way http-drain.ts does; everything `lane` declines goes to them unchanged.
 *
 * Install it BEFORE installHttpDrain (createApp runs before main.ts installs the drain), so the
 * drain wraps this in turn and a draining server still answers 503 without running `lane`.
 */
export function serveAheadOfExpress(server: Server, lane: AheadOfExpress): void {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (lane(req, res)) return;
    for (const h of handlers) h.call(server, req, res);
  });
}
