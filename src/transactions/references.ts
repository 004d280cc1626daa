import { createHash } from 'node:crypto';
import { referenceForIdempotencyKey } from '../common/idempotency/request-hash';

/** What Wompi and we accept as a reference: safe in URLs, logs and the integrity signature. */
export const REFERENCE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The reference of a payment created without one: derived from (caller, Idempotency-Key) only,
 * so a retried request — even one whose idempotency record was lost in a crash — lands on the
 * same payment (unique reference) and can never make a second Wompi payment.
 */
export function referenceFor(caller: string, idempotencyKey: string): string {
  return referenceForIdempotencyKey(caller, idempotencyKey, 'pay');
}

/**
 * The reference Wompi sees for a caller's reference. A caller's reference is unique only among
 * its own payments, and Wompi's must be unique per merchant, so this one is derived from both:
 * deterministic (a retry, a resolution by reference and a webhook all land on the same payment),
 * Wompi-legal (`[A-Za-z0-9_-]`, at most 64 chars), and no caller can choose or block another
 * caller's: the 24 hex chars (96 bits) of SHA-256 over (caller, reference) carry the uniqueness;
 * the caller's reference (its first 39 chars) in front keeps it readable in Wompi's dashboard.
 * Payments made before per-caller references keep their reference as their Wompi reference.
 */
export function wompiReferenceFor(caller: string, reference: string): string {
  const tag = sha256Hex(JSON.stringify([caller, reference])).slice(0, 24);
  return `${reference.slice(0, 39)}-${tag}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The `permalink` claim of an acceptance token (a JWT we cannot verify: Wompi signs it, and
 * Wompi itself refuses a forged one). Kept as consent evidence: which document the buyer saw.
 */
export function permalinkOf(token: string | undefined): string | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const permalink = claims && typeof claims === 'object' ? (claims as Record<string, unknown>).permalink : undefined;
    return typeof permalink === 'string' && permalink.length <= 2048 ? permalink : null;
  } catch {
    return null;
  }
}
