import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ProblemResponse } from './problem.response';
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

/** The media type of every error answer (ProblemDetailsFilter). */
export const PROBLEM_JSON = 'application/problem+json';
const PROBLEM_CONTENT = { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/ProblemResponse' } } };

function problem(description: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { description, content: PROBLEM_CONTENT, ...extra };
}

/**
 * The tags of the document, one per module; every operation carries one of them (operator
 * routes also carry `operators`, added by `@OperatorRoute()`).
 */
export const OPENAPI_TAGS: Record<string, string> = {
  transactions: 'Payments: create (card, PSE, Nequi, …), read, list, confirm a widget payment, void',
  'checkout-sessions': "Hosted checkout: a signed session for Wompi's widget or Web Checkout",
  'payment-sources': 'Tokenised cards and accounts to charge again (recurring payments)',
  'payment-links': 'Wompi payment links: create, read, list, deactivate',
  acceptance: "Wompi's acceptance tokens (terms and personal-data authorisation) to show the buyer",
  pse: 'The PSE banks (financial institutions) to offer the buyer',
  'external-transactions': 'Operators: Wompi transactions that match no payment of ours',
  webhooks: "Wompi's event ingress, and (operators) the inbox of received events",
  outbox: 'Operators: the outbox of domain events published to the bus',
  reconciliations: "Operators: runs comparing our payments with Wompi's records, and their discrepancies",
  operators: 'Routes only callers named in OPERATOR_CALLERS may use (403 for anyone else; default-deny)',
  health: 'Liveness and readiness probes (terminus format, not problem+json)',
  metrics: 'Prometheus metrics',
};

/** The document's header: title, description, the bearer scheme of the internal API, the tags. */
export function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  const builder = new DocumentBuilder()
    .setTitle('Wompi payments service')
    .setDescription(
      'Payments for internal services in front of Wompi (Colombia). Money is integer `amount_in_cents`, currency COP. Errors are application/problem+json (RFC 9457).',
    )
    .setVersion('1.0')
    // opaque keys, not JWTs (addBearerAuth's default bearerFormat would say JWT)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque API key',
        description: 'Internal API key (INTERNAL_API_KEYS)',
      },
      INTERNAL_SECURITY,
    );
  for (const [name, description] of Object.entries(OPENAPI_TAGS)) builder.addTag(name, description);
  return builder.build();
}

/**
 * The OpenAPI document of an application (served at /docs-json; `npm run client:generate`
 * builds it from an application created in preview mode, without Postgres, Redis or AMQP).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return documentEdgeResponses(SwaggerModule.createDocument(app, openApiConfig(), { extraModels: [ProblemResponse] }));
}

/** An error answer of one operation, documented as problem+json (ProblemResponse). */
export function ApiProblem(status: number, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, type: ProblemResponse });
}

/**
 * The answers of an operation that calls Wompi while the caller waits (src/wompi: the error
 * mapping, the breakers, the timeouts), reads as much as writes:
 * - 502: Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something we do not
 *   understand (GATEWAY_BAD_RESPONSE);
 * - 503: Wompi unavailable: breaker open, bulkhead full, or it kept failing (GATEWAY_UNAVAILABLE,
 *   Retry-After) — or our own Postgres/Redis is down (DEPENDENCY_UNAVAILABLE);
 * - 504: Wompi did not answer in time (GATEWAY_TIMEOUT); on a write whose outcome is unknown the
 *   problem names the row to read back (an ambiguous payment is answered 201/UNKNOWN instead).
 * `timeout: false` for an operation that never surfaces Wompi's timeout.
 */
export function ApiWompiErrors(opts: { timeout?: boolean } = {}): MethodDecorator & ClassDecorator {
  const decorators = [
    ApiProblem(
      502,
      'Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs',
    ),
    ApiProblem(
      503,
      'Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds',
    ),
  ];
  if (opts.timeout !== false)
    decorators.push(ApiProblem(504, 'Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT)'));
  return applyDecorators(...decorators);
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
 * (409/422 of the Idempotency-Key are documented by `@Idempotent()` itself, 403 of the
 * operator routes by `@OperatorRoute()`, 502/503/504 of Wompi by `@ApiWompiErrors()`.)
 *
 * Every 4xx/5xx answer is then documented as what ProblemDetailsFilter writes:
 * `application/problem+json` with the ProblemResponse schema — except under /health, whose
 * 503 keeps terminus' own format.
 */
export function documentEdgeResponses(doc: OpenAPIObject): OpenAPIObject {
  documentGuardedResponses(doc);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const value of Object.values(item as Record<string, unknown>)) {
      const op = value as Operation & { tags?: string[] };
      if (!op || typeof op !== 'object' || !op.responses) continue;
      // the module's tag first (Swagger UI groups by it), `operators` after it
      if (op.tags) op.tags = [...op.tags.filter((t) => t !== 'operators'), ...op.tags.filter((t) => t === 'operators')];
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && !path.startsWith('/health/'))
          response.content = asProblemContent(response.content);
      }
    }
  }
  return doc;
}

/** problem+json with the ProblemResponse schema, keeping the examples a controller gave. */
function asProblemContent(content: unknown): Record<string, unknown> {
  const media = Object.values((content ?? {}) as Record<string, Record<string, unknown>>)[0] ?? {};
  const examples = Object.fromEntries(Object.entries(media).filter(([k]) => k === 'example' || k === 'examples'));
  return { [PROBLEM_JSON]: { ...PROBLEM_CONTENT[PROBLEM_JSON], ...examples } };
}

function documentGuardedResponses(doc: OpenAPIObject): void {
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
      r['503'].headers ??= retryAfter;
      const params = (op as { parameters?: { in?: string }[] }).parameters ?? [];
      if (params.some((p) => p.in === 'query' || p.in === 'path'))
        ensure(r, '400', problem('A path or query parameter is invalid (VALIDATION_FAILED); `errors` names each one'));
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
}
