/** Our payment states: Wompi's, plus UNKNOWN for a create whose outcome we could not see. */
export const PAYMENT_STATUSES = ['PENDING', 'UNKNOWN', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const FINAL_STATUSES: readonly PaymentStatus[] = ['APPROVED', 'DECLINED', 'ERROR', 'VOIDED'];
export type TransitionSource = 'api' | 'webhook' | 'poll' | 'reconciliation' | 'confirm';
