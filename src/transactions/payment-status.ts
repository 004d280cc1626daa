/**
 * Our payment states: Wompi's, plus UNKNOWN for a create whose outcome we could not see and
 * EXPIRED, our own give-up (a payment still PENDING at Wompi past its method's horizon, or a
 * checkout session nobody paid by its expiration). Attempts (Wompi transactions) never take EXPIRED.
 */
export const PAYMENT_STATUSES = ['PENDING', 'UNKNOWN', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED', 'EXPIRED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const FINAL_STATUSES: readonly PaymentStatus[] = ['APPROVED', 'DECLINED', 'ERROR', 'VOIDED', 'EXPIRED'];
export type TransitionSource = 'api' | 'webhook' | 'poll' | 'reconciliation' | 'confirm';
