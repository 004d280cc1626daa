import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { RateLimits } from './rate-limits';

/**
 * On Wompi's webhook route: the delivery is verified first, and only a refused one (4xx) spends
 * its address's budget — a delivery that verifies is accepted even from a throttled address.
 */
@Injectable()
export class UnverifiedDeliveryThrottle implements NestInterceptor {
  constructor(private readonly limits: RateLimits) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    return next
      .handle()
      .pipe(
        catchError((err: unknown) =>
          from(this.limits.refusedDelivery(req, res, err)).pipe(switchMap((e) => throwError(() => e))),
        ),
      );
  }
}

/**
 * The same for the webhook deliveries refused by the body parser (not JSON, too large), which
 * never reach the controller: an Express error handler mounted on the webhook path after the
 * parsers.
 */
export function throttleUnparsedDeliveries(limits: RateLimits) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    limits.refusedDelivery(req, res, err).then(next, next);
  };
}
