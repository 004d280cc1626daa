import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticatedRequest } from '../auth/api-key.guard';
import { DomainError } from '../errors/domain-error';
import { findPanPaths } from './pan-detector';

/** Wompi's event ingress (app.factory WEBHOOK_PATH), not imported to keep the module graph acyclic. */
const WEBHOOK_PATH = '/v1/webhooks/wompi';

export const PAN_MESSAGE =
  'looks like a card number; card data is never accepted here — tokenize it with Wompi and send the token';

/**
 * Only `/v1` routes are screened; Wompi's own events are verified by checksum instead. Decided
 * on the route the router matched (its template), falling back to the path as the router reads
 * it, so the guard cannot see a request differently from the router (case, slashes, an
 * absolute-form target).
 */
export function screenedPath(req: Request): boolean {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  const path = typeof route === 'string' ? route : req.path;
  return (path === '/v1' || path.startsWith('/v1/')) && path !== WEBHOOK_PATH;
}

/**
 * Card data must never touch this service (PCI scope): a `/v1` request whose JSON body holds
 * anything that looks like a card number is refused with 400 naming the fields, never the
 * value, and nothing of the body is logged.
 */
@Injectable()
export class PanGuard implements CanActivate {
  private readonly logger = new Logger('PanGuard');

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!screenedPath(req) || req.body === undefined || req.body === null) return true;
    const paths = findPanPaths(req.body);
    if (!paths.length) return true;
    this.logger.warn(
      { method: req.method, path: req.path, caller: req.caller?.name ?? null, fields: paths },
      'request refused: body holds what looks like card data',
    );
    throw new DomainError(
      'CARD_DATA_REFUSED',
      'The request body holds what looks like a card number. Card data never reaches this service: tokenize the card with Wompi and send the token.',
      Object.fromEntries(paths.map((p) => [p, [PAN_MESSAGE]])),
    );
  }
}
