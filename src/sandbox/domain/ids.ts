import { randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX_MIXED = '0123456789abcdefABCDEF';

export function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const alnum = (n: number): string => randomFrom(ALNUM, n);
export const digits = (n: number): string => randomFrom('0123456789', n);
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Ids issued by this process: Wompi never gives two transactions one id. */
const issuedTransactionIds = new Set<string>();

/**
 * `1<merchant>-<unix seconds>-<5 digits>` (docs/wompi.md#response-conventions-and-identifiers),
 * never one issued before: five random digits collide often at a few hundred creates a second
 * (the birthday bound: ~20 % a second at 200/s), and a repeated id made two payments share one
 * Wompi transaction. A second with every suffix taken (100,000) cannot happen here.
 */
export function transactionId(merchantId: number, now: Date): string {
  const prefix = `1${merchantId}-${Math.floor(now.getTime() / 1000)}-`;
  for (;;) {
    const id = prefix + digits(5);
    if (issuedTransactionIds.has(id)) continue;
    issuedTransactionIds.add(id);
    return id;
  }
}

export const cardTokenId = (merchantId: number): string => `tok_test_${merchantId}_${randomFrom(HEX_MIXED, 32)}`;
export const nequiTokenId = (): string => `nequi_test_${alnum(32)}`;
/** `daviplata_<env>_…` (docs/wompi.md#response-conventions-and-identifiers); the tail mirrors Nequi's 32 alphanumerics. */
export const daviplataTokenId = (): string => `daviplata_test_${alnum(32)}`;
export const paymentLinkId = (): string => `test_${alnum(6)}`;
export const traceId = (): string => hex(16);
