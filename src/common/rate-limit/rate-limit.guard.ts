import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { ApiKeyGuard, PUBLIC_ROUTE } from '../auth/api-key.guard';
import { clientAddress, RateLimits, setRateLimitHeaders } from './rate-limits';

/**
 * Runs before the API-key guard on every route behind the key (public routes — the webhook,
 * probes, metrics — are not its business). A known key spends its caller's budget; a refused
 * key spends its address's budget, and once that is spent the answer is 429 instead of 401.
 * A known key is never refused for its address: behind an ingress without TRUST_PROXY every
 * caller shares one address, and a stranger's bad keys must not lock the callers out.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  /** the same key check as the API-key guard, which then authenticates the request for real */
  private readonly keys: ApiKeyGuard;

  constructor(
    config: AppConfig,
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
  ) {
    this.keys = new ApiKeyGuard(config, reflector);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (!this.limits.enabled) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const caller = this.keys.authenticate(req.headers.authorization);
    if (caller) {
      const d = await this.limits.take('internal', caller.name);
      if (!d.allowed) throw this.limits.refuse('internal', res, d.budget);
      setRateLimitHeaders(res, d.budget);
      return true;
    }
    const d = await this.limits.take('unauthenticated', clientAddress(req));
    if (!d.allowed) throw this.limits.refuse('unauthenticated', res, d.budget);
    return true; // the API-key guard answers 401
  }
}
