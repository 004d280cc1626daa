/**
 * Domain errors carry a code; the one exception filter (ProblemDetailsFilter) maps codes to
 * HTTP. Services and use cases throw these, never HTTP exceptions.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'Validation failed' },
  CARD_DATA_REFUSED: { status: 400, title: 'Card data is not accepted' },
  MALFORMED_EVENT: { status: 400, title: 'Malformed event' },
  MALFORMED_BODY: { status: 400, title: 'Malformed request body' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthenticated' },
  INVALID_SIGNATURE: { status: 401, title: 'Invalid event signature' },
  EVENT_REJECTED: { status: 401, title: 'Event rejected' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  IDEMPOTENCY_KEY_IN_FLIGHT: { status: 409, title: 'A request with this Idempotency-Key is still in flight' },
  INVALID_STATE: { status: 409, title: 'Operation not allowed in the current state' },
  AMOUNT_MISMATCH: { status: 409, title: 'Wompi reports a different amount, currency or reference' },
  REFERENCE_IN_USE: { status: 409, title: 'The reference belongs to another payment or request' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: 'Idempotency-Key header required' },
  IDEMPOTENCY_KEY_MISMATCH: { status: 422, title: 'Idempotency-Key reused with a different request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  GATEWAY_REJECTED: { status: 422, title: 'Wompi rejected the request' },
  GATEWAY_AUTH_FAILED: { status: 502, title: 'Wompi refused our credentials' },
  GATEWAY_BAD_RESPONSE: { status: 502, title: 'Wompi answered something unexpected' },
  GATEWAY_UNAVAILABLE: { status: 503, title: 'Wompi is unavailable' },
  GATEWAY_TIMEOUT: { status: 504, title: 'Wompi did not answer in time' },
  DEPENDENCY_UNAVAILABLE: { status: 503, title: 'A dependency is unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** field → messages, for VALIDATION_FAILED and gateway validation errors */
    readonly fieldErrors?: Record<string, string[]>,
    /** extra problem members (e.g. retry_after_seconds, reason) */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationFailed extends DomainError {
  constructor(fieldErrors: Record<string, string[]>, message = 'The request has invalid fields') {
    super('VALIDATION_FAILED', message, fieldErrors);
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}
