import type { NextFunction, Request, Response } from 'express';
import { SandboxRuntime } from '../sandbox-runtime';

const GATEWAY_MESSAGES: Record<number, string> = {
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Endpoint request timed out',
};

/** Body of an injected failure: API-gateway style for 429/502/503/504, Wompi's error envelope otherwise. */
export function faultBody(status: number): Record<string, unknown> {
  if (GATEWAY_MESSAGES[status]) return { message: GATEWAY_MESSAGES[status] };
  if (status >= 500) return { error: { type: 'INTERNAL_SERVER_ERROR', reason: 'Error interno del servidor' } };
  return { error: { type: 'INPUT_VALIDATION_ERROR', reason: 'Petición rechazada (falla inyectada por el sandbox)' } };
}

/** Keeps a request unanswered until reset/close destroys its socket. */
function hold(rt: SandboxRuntime, req: Request): void {
  const socket = req.socket;
  rt.heldSockets.add(socket);
  socket.once('close', () => rt.heldSockets.delete(socket));
}

/**
 * Express middleware on `/v1` applying the live fault set, in this order: latency, hang_next,
 * fail_next, error_rate. Injected failures have no effect on the sandbox's state.
 */
export function faultsMiddleware(rt: SandboxRuntime) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const proceed = (): void => {
      const path = req.originalUrl.split('?')[0];
      const hang = rt.faults.takeHang(req.method, path);
      if (hang) {
        hold(rt, req);
        if (!hang.apply) return;
        // The ambiguous create: let the handler run (state changes), but swallow its answer.
        res.write = (() => true) as unknown as Response['write'];
        res.end = (() => res) as unknown as Response['end'];
        next();
        return;
      }
      const fail = rt.faults.takeFail(req.method, path);
      if (fail) {
        if (fail.status === 429) res.setHeader('Retry-After', String(fail.retryAfterS));
        res.status(fail.status).json(faultBody(fail.status));
        return;
      }
      if (rt.faults.shouldError()) {
        res.status(500).json(faultBody(500));
        return;
      }
      next();
    };
    const latency = rt.faults.latencyMs;
    if (latency > 0) rt.timers.schedule(proceed, latency);
    else proceed();
  };
}
