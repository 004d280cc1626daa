/**
 * Acceptance tokens are HS256 JWTs signed by Wompi. We cannot verify them (we do not hold
 * Wompi's key) and do not need to: we only read `exp` to tell the caller how long the buyer
 * has before the token must be fetched again.
 */
import { PresignedToken } from './wompi.types';

/** `exp` of a JWT as an ISO-8601 instant, or null when the token has none or is not a JWT. */
export function decodeJwtExpiry(token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (payload === null || typeof payload !== 'object') return null;
  const exp = (payload as Record<string, unknown>).exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) return null;
  const when = new Date(exp * 1000);
  return Number.isNaN(when.getTime()) ? null : when.toISOString();
}

export function withExpiry(token: Omit<PresignedToken, 'expires_at'>): PresignedToken {
  return { ...token, expires_at: decodeJwtExpiry(token.acceptance_token) };
}
