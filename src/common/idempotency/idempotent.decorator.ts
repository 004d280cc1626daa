import { applyDecorators, createParamDecorator, ExecutionContext, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import {
  IDEMPOTENCY_HEADER,
  IdempotencyInterceptor,
  IdempotentRequest,
  MAX_KEY_LENGTH,
} from './idempotency.interceptor';

/**
 * Makes a route idempotent by `Idempotency-Key` (required header), scoped to the calling API
 * key. See IdempotencyInterceptor for the semantics.
 */
export function Idempotent(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: true,
      description: `Unique per logical operation (1–${MAX_KEY_LENGTH} chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with \`Idempotent-Replayed: true\`; same key + other body → 422; while the first request runs → 409.`,
      example: '0d9a3f2e-5c1b-4e7a-9f61-2b8c4d7e1a90',
    }),
    ApiConflictResponse({
      description:
        'A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)',
    }),
    ApiUnprocessableEntityResponse({
      description: 'Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH)',
    }),
  );
}

/** The request's Idempotency-Key, inside a handler decorated with `@Idempotent()`. */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const key = ctx.switchToHttp().getRequest<IdempotentRequest>().idempotencyKey;
  if (!key) throw new Error('@IdempotencyKey() used on a route without @Idempotent()');
  return key;
});
