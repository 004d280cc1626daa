import { PaymentAttemptEntity } from './payment-attempt.entity';
import { PaymentEntity } from './payment.entity';

/**
 * Entities from raw rows, for hot paths that read with plain SQL instead of TypeORM's query
 * builder (whose hydration costs more CPU than the query): the same objects, the same values
 * — pg parses timestamptz into Date and jsonb into JSON values, which TypeORM hands on as they
 * are; bigint arrives as text and becomes a Number (bigintAsNumber). Every column of the entity is
 * selected: keep the lists in step with the entities and migrations.
 */

/** Every payments column under its own name; prefix it with the table's alias when needed. */
export const PAYMENT_COLUMNS = [
  'id',
  'reference',
  'wompi_reference',
  'caller',
  'kind',
  'status',
  'amount_in_cents',
  'currency',
  'payment_method_type',
  'wompi_transaction_id',
  'customer_email',
  'redirect_url',
  'expiration_time',
  'status_message',
  'next_action',
  'metadata',
  'payment_link_id',
  'payment_link_flag',
  'version',
  'created_at',
  'updated_at',
  'finalized_at',
  'next_poll_at',
  'poll_attempts',
  'retryable_until',
] as const;

/** Every payment_attempts column under its own name. */
export const ATTEMPT_COLUMNS = [
  'id',
  'payment_id',
  'wompi_transaction_id',
  'status',
  'payment_method_type',
  'amount_in_cents',
  'status_message',
  'snapshot',
  'created_at',
  'updated_at',
  'finalized_at',
] as const;

/** `a.id, a.reference, …` for a select list. */
export const columnsOf = (columns: readonly string[], alias: string): string =>
  columns.map((c) => `${alias}.${c}`).join(', ');

type Row = Record<string, unknown>;

// as TypeORM hydrates them: bigintAsNumber on bigint, timestamptz and jsonb as pg parsed them
const bigint = (v: unknown): number => (v === null || v === undefined ? (v as unknown as number) : Number(v));
const date = (v: unknown): Date => (typeof v === 'string' ? new Date(v) : (v as Date));
const nullableDate = (v: unknown): Date | null => (v === null || v === undefined ? (v as null) : date(v));
const json = <T>(v: unknown): T => v as T;

export function paymentFromRow(r: Row): PaymentEntity {
  return Object.assign(new PaymentEntity(), {
    id: r.id as string,
    reference: r.reference as string,
    wompiReference: r.wompi_reference as string,
    caller: r.caller as string,
    kind: r.kind as PaymentEntity['kind'],
    status: r.status as PaymentEntity['status'],
    amountInCents: bigint(r.amount_in_cents),
    currency: r.currency as string,
    paymentMethodType: r.payment_method_type as string | null,
    wompiTransactionId: r.wompi_transaction_id as string | null,
    customerEmail: r.customer_email as string | null,
    redirectUrl: r.redirect_url as string | null,
    expirationTime: nullableDate(r.expiration_time),
    statusMessage: r.status_message as string | null,
    nextAction: json<Record<string, unknown> | null>(r.next_action),
    metadata: json<Record<string, unknown>>(r.metadata),
    paymentLinkId: r.payment_link_id as string | null,
    paymentLinkFlag: r.payment_link_flag as PaymentEntity['paymentLinkFlag'],
    version: r.version as number,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    finalizedAt: nullableDate(r.finalized_at),
    nextPollAt: nullableDate(r.next_poll_at),
    pollAttempts: r.poll_attempts as number,
    retryableUntil: nullableDate(r.retryable_until),
  });
}

export function attemptFromRow(r: Row): PaymentAttemptEntity {
  return Object.assign(new PaymentAttemptEntity(), {
    id: r.id as string,
    paymentId: r.payment_id as string,
    wompiTransactionId: r.wompi_transaction_id as string | null,
    status: r.status as PaymentAttemptEntity['status'],
    paymentMethodType: r.payment_method_type as string | null,
    amountInCents: bigint(r.amount_in_cents),
    statusMessage: r.status_message as string | null,
    snapshot: json<Record<string, unknown> | null>(r.snapshot),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    finalizedAt: nullableDate(r.finalized_at),
  });
}
