import { WompiTransaction, WompiTransactionStatus } from '../wompi/wompi.types';

/** What an inbox event asks of the processor. */
export type InboxWork =
  /** a Wompi transaction report to apply to our payment */
  | { kind: 'transaction'; tx: WompiTransaction }
  /** a known event with nothing to fulfil (payment-source tokens): recorded as processed */
  | { kind: 'no_op'; reason: string }
  /** an event type we do not handle: recorded as ignored */
  | { kind: 'unsupported'; reason: string };

/** The event cannot be applied however often it is retried: dead-letter it at once. */
export class PoisonEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonEvent';
  }
}

const TX_STATUSES: readonly WompiTransactionStatus[] = ['PENDING', 'APPROVED', 'DECLINED', 'VOIDED', 'ERROR'];

/** Token approvals matter to whoever created a payment source; no payment changes state. */
const NO_OP_EVENTS: Record<string, string> = {
  'nequi_token.updated': 'Nequi token status change: nothing to fulfil (payment sources are not fulfilled)',
  'bancolombia_transfer_token.updated':
    'Bancolombia transfer token status change: nothing to fulfil (payment sources are not fulfilled)',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isNullableString = (v: unknown) => v === undefined || v === null || typeof v === 'string';

/**
 * Reads the work out of a stored (already verified) Wompi event. Throws `PoisonEvent`,
 * naming every bad field, when a `transaction.updated` does not carry a usable transaction.
 */
export function parseInboxEvent(eventType: string, payload: unknown): InboxWork {
  // own keys only: the event type is Wompi's text, and `in` would find 'constructor' on Object.prototype
  if (Object.hasOwn(NO_OP_EVENTS, eventType)) return { kind: 'no_op', reason: NO_OP_EVENTS[eventType] };
  if (eventType !== 'transaction.updated')
    return { kind: 'unsupported', reason: `unsupported event type ${eventType}` };

  const data = isObject(payload) ? payload.data : undefined;
  const tx = isObject(data) ? data.transaction : undefined;
  if (!isObject(tx)) throw new PoisonEvent('transaction.updated without data.transaction');

  const problems: string[] = [];
  if (!isNonEmptyString(tx.id)) problems.push('id must be a non-empty string');
  if (!isNonEmptyString(tx.reference)) problems.push('reference must be a non-empty string');
  if (typeof tx.amount_in_cents !== 'number' || !Number.isSafeInteger(tx.amount_in_cents) || tx.amount_in_cents <= 0)
    problems.push('amount_in_cents must be a positive integer');
  if (!isNonEmptyString(tx.currency)) problems.push('currency must be a non-empty string');
  if (!TX_STATUSES.includes(tx.status as WompiTransactionStatus))
    problems.push(`status must be one of ${TX_STATUSES.join(', ')}`);
  if (!isNullableString(tx.payment_method_type)) problems.push('payment_method_type must be a string');
  if (tx.payment_method !== undefined && tx.payment_method !== null && !isObject(tx.payment_method))
    problems.push('payment_method must be an object');
  if (!isNullableString(tx.status_message)) problems.push('status_message must be a string or null');
  if (!isNullableString(tx.finalized_at)) problems.push('finalized_at must be a string or null');
  if (problems.length) throw new PoisonEvent(`data.transaction is unusable: ${problems.join('; ')}`);
  return { kind: 'transaction', tx: tx as unknown as WompiTransaction };
}
