import { wompiErrors } from '../domain/wompi-error';

/** Request bodies must be JSON objects; anything else is refused like a missing field. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw wompiErrors.validation({ body: ['Debe ser un objeto JSON'] });
  return body as Record<string, unknown>;
}
