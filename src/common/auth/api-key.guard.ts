import {
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';
import { ProblemResponse } from '../http/problem.response';

export const PUBLIC_ROUTE = 'auth:public';
/** Routes that are not called by internal services (Wompi's webhook, probes, metrics, docs). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export const OPERATOR_ROUTE = 'auth:operator';
/**
 * Operator-only routes (inbox, outbox): only callers named in OPERATOR_CALLERS; unset = nobody
 * (default-deny). Documents the 403 and the `operators` tag in the OpenAPI document as well.
 */
export const OperatorRoute = () =>
  applyDecorators(
    SetMetadata(OPERATOR_ROUTE, true),
    ApiTags('operators'),
    ApiResponse({
      status: 403,
      type: ProblemResponse,
      description:
        'The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route',
    }),
  );

export interface Caller {
  name: string;
}

export type AuthenticatedRequest = Request & { caller?: Caller };

/** The calling service's name, from its API key; idempotency keys are scoped by it. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.caller) throw new DomainError('UNAUTHENTICATED', 'No authenticated caller');
  return req.caller;
});

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The realm of RFC 6750's challenge on our 401s. */
export const AUTH_REALM = 'payments';

/**
 * The `WWW-Authenticate` challenge of a refused request (RFC 6750 §3): the bare challenge when
 * no credentials were sent, `invalid_token` when a bearer key was sent but is not ours,
 * `invalid_request` when the Authorization header is not a bearer credential at all.
 */
export function bearerChallenge(header: string | undefined): string {
  const base = `Bearer realm="${AUTH_REALM}"`;
  if (header === undefined || header.trim() === '') return base;
  return /^Bearer\s+\S+\s*$/i.test(header) ? `${base}, error="invalid_token"` : `${base}, error="invalid_request"`;
}

/**
 * `Authorization: Bearer <key>` against INTERNAL_API_KEYS. Keys are compared as SHA-256
 * digests with timingSafeEqual, and every key is compared, so timing says nothing about
 * which key or how much of it matched.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { name: string; digest: Buffer }[];
  private readonly operators: Set<string>;

  constructor(
    config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.keys = config.apiKeys.map((k) => ({ name: k.name, digest: digest(k.key) }));
    this.operators = new Set(config.operatorCallers ?? []);
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = this.authenticate(req.headers.authorization);
    if (!caller) {
      // the problem+json filter leaves headers already set on the response in place
      ctx
        .switchToHttp()
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', bearerChallenge(req.headers.authorization));
      throw new DomainError('UNAUTHENTICATED', 'Send Authorization: Bearer <internal API key>');
    }
    req.caller = caller;
    const operatorOnly = this.reflector.getAllAndOverride<boolean>(OPERATOR_ROUTE, [ctx.getHandler(), ctx.getClass()]);
    if (operatorOnly && !this.operators.has(caller.name)) {
      throw new DomainError('FORBIDDEN', `Caller ${caller.name} is not an operator (OPERATOR_CALLERS)`);
    }
    return true;
  }

  authenticate(header: string | undefined): Caller | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return undefined;
    const given = digest(m[1]);
    let found: Caller | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(given, k.digest) && !found) found = { name: k.name };
    }
    return found;
  }
}
