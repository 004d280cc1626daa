import { createHash } from 'node:crypto';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Integrity signature (docs/wompi.md#integrity-signature): sha256(reference + amount + currency [+ expiration_time] + secret). */
export function integritySignature(
  reference: string,
  amountInCents: number | string,
  currency: string,
  secret: string,
  expirationTime?: string,
): string {
  return sha256(`${reference}${amountInCents}${currency}${expirationTime ?? ''}${secret}`);
}

function valueAt(data: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      data,
    );
}

/** Event checksum (docs/wompi.md#events-and-the-checksum): values of `properties` read inside `data`, then timestamp, then secret. */
export function eventChecksum(data: unknown, properties: string[], timestamp: number, eventsSecret: string): string {
  const values = properties.map((p) => {
    const v = valueAt(data, p);
    return v === null || v === undefined ? '' : String(v);
  });
  return sha256(`${values.join('')}${timestamp}${eventsSecret}`);
}
