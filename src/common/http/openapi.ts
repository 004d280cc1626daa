import type { OpenAPIObject } from '@nestjs/swagger';
import { MAX_JSON_DEPTH } from './validation';

/** The body limit of the internal API (the webhook route has its own, WEBHOOK_BODY_LIMIT). */
export const API_BODY_LIMIT = '64kb';
/** The security scheme of the internal API in the OpenAPI document. */
export const INTERNAL_SECURITY = 'internal';

type Responses = Record<string, Record<string, unknown>>;
type Operation = { security?: Record<string, unknown>[]; responses?: Responses };

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const retryAfter = {
  'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', example: 5 } },
};
/** The headers of our own rate limits (docs/security-rate-limits.md); also on every answer to a known key. */
export const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'seconds until the budget resets', schema: { type: 'integer', example: 42 } },
  'RateLimit-Limit': {
    description: 'requests allowed in the one-minute window',
    schema: { type: 'integer', example: 60000 },
  },
  'RateLimit-Remaining': {
    description: 'requests left in the current window',
    schema: { type: 'integer', example: 0 },
  },
  'RateLimit-Reset': { description: 'seconds until the window resets', schema: { type: 'integer', example: 42 } },
};

function problem(description: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const schema = { $ref: '#/components/schemas/ProblemResponse' };
  return { description, content: { 'application/problem+json': { schema } }, ...extra };
}

/**
 * The answers no controller gives: they come from the wiring of src/app.factory.ts (the
 * body parsers and their screen, the API-key guard, the Idempotency-Key interceptor, the
 * problem+json filter), so they are documented here, for every operation they apply to,
 * rather than repeated (and forgotten) on each controller. A response an operation already
 * documents is left as it is.
 *
 * - every operation behind the API key: 401 with its `WWW-Authenticate` challenge, 429 from
 *   the rate limits (per caller, or per address for refused keys), and 503 when
 *   Postgres/Redis are unreachable;
 * - every internal write: 400 for a body that is not JSON, not UTF-8, not an object or nested
 *   deeper than MAX_JSON_DEPTH, 413 over the body limit, 415 for a body that is not
 *   application/json (media-types.ts).
 *
 * (409/422 of the Idempotency-Key are documented by `@Idempotent()` itself.)
 */
export function documentEdgeResponses(doc: OpenAPIObject): OpenAPIObject {
  const ensure = (responses: Responses, status: string, response: Record<string, unknown>) => {
    responses[status] ??= response;
  };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(item as Record<string, unknown>)) {
      const op = value as Operation;
      if (!op || typeof op !== 'object' || !op.responses) continue;
      if (!op.security?.some((s) => INTERNAL_SECURITY in s)) continue;
      const r = op.responses;
      ensure(
        r,
        '401',
        problem('No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED)', {
          headers: {
            'WWW-Authenticate': {
              description:
                'RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours',
              schema: { type: 'string', example: 'Bearer realm="payments", error="invalid_token"' },
            },
          },
        }),
      );
      ensure(
        r,
        '429',
        problem(
          'Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds',
          { headers: RATE_LIMIT_HEADERS },
        ),
      );
      ensure(
        r,
        '503',
        problem('A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After', {
          headers: retryAfter,
        }),
      );
      if (WRITE_METHODS.has(method)) {
        ensure(
          r,
          '400',
          problem(
            `The body is not valid JSON, not UTF-8, not a JSON object, or nested deeper than ${MAX_JSON_DEPTH} levels; invalid fields are named in \`errors\``,
          ),
        );
        ensure(r, '413', problem('The body is larger than 64 KiB (PAYLOAD_TOO_LARGE)'));
        ensure(
          r,
          '415',
          problem(
            'A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`)',
          ),
        );
      }
    }
  }
  return doc;
}
