import { DomainError } from '../common/errors/domain-error';

/** Wompi answered 422 INPUT_VALIDATION_ERROR: `messages` flattened to dotted fields. */
export class GatewayValidationError extends DomainError {
  constructor(fieldErrors: Record<string, string[]>) {
    super('GATEWAY_REJECTED', 'Wompi rejected the request as invalid', fieldErrors);
  }
}

/** Wompi answered 422 UNPROCESSABLE (or another business rejection) with a reason. */
export class GatewayBusinessRejection extends DomainError {
  constructor(readonly reason: string) {
    super('GATEWAY_REJECTED', `Wompi rejected the request: ${reason}`, undefined, { reason });
  }
}

/** 401/403: our keys were refused. In production this can mean a leaked or rotated key. */
export class GatewayAuthError extends DomainError {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
  ) {
    super('GATEWAY_AUTH_FAILED', `Wompi refused our credentials (${httpStatus}): ${reason}`);
  }
}

export class GatewayNotFound extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found at Wompi`);
  }
}

/** Breaker open, bulkhead full, or Wompi kept failing: try again after `retryAfterSeconds`. */
export class GatewayUnavailable extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('GATEWAY_UNAVAILABLE', message, undefined, { retry_after_seconds: retryAfterSeconds });
  }
}

export class GatewayTimeout extends DomainError {
  constructor(operation: string, timeoutMs: number) {
    super('GATEWAY_TIMEOUT', `Wompi did not answer ${operation} within ${timeoutMs} ms`);
  }
}

/** Wompi answered, but not with the shape we expect. */
export class GatewayBadResponse extends DomainError {
  constructor(message: string) {
    super('GATEWAY_BAD_RESPONSE', message);
  }
}

/**
 * A write whose outcome is unknown (timeout or connection reset after the request was sent).
 * Never re-send it; resolve it by reference.
 */
export class GatewayOutcomeUnknown extends DomainError {
  constructor(
    readonly operation: string,
    readonly underlying?: unknown,
  ) {
    super('GATEWAY_TIMEOUT', `The outcome of ${operation} at Wompi is unknown`);
  }
}
