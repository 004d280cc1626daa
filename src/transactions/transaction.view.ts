import { PaymentEntity, PaymentKind, PaymentLinkFlag } from './entities/payment.entity';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';

/** The transaction as the HTTP API shows it (and as domain events carry it in `data`). */
export interface TransactionView {
  id: string;
  /** the caller's own reference (unique per caller) */
  reference: string;
  /** the reference Wompi knows (its dashboard, its events); derived from caller + reference */
  wompi_reference: string;
  /** PAYMENT_LINK: paid through one of the caller's payment links; EXTERNAL: claimed by EXTERNAL_PAYMENTS_OWNER */
  kind: PaymentKind;
  /** our payment link (GET /v1/payment-links/:id) this payment came from; null otherwise */
  payment_link_id: string | null;
  /** EXPIRED / DEACTIVATED: the buyer paid a link that had expired or been deactivated (the money moved) */
  payment_link_flag: PaymentLinkFlag | null;
  status: string;
  status_message: string | null;
  amount_in_cents: number;
  currency: string;
  payment_method_type: string | null;
  wompi_transaction_id: string | null;
  /** where to send the buyer next (PSE bank page, Bancolombia transfer, PCOL…) */
  async_payment_url: string | null;
  /** every method extra the buyer needs: async_payment_url, QR image, Daviplata OTP urls… */
  next_action: Record<string, unknown> | null;
  customer_email: string | null;
  redirect_url: string | null;
  expiration_time: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  finalized_at: string | null;
  /** a failed buyer-retryable payment: its failure event is held until then (the buyer may retry) */
  retryable_until: string | null;
  attempts?: AttemptView[];
}

export interface AttemptView {
  wompi_transaction_id: string | null;
  status: string;
  status_message: string | null;
  payment_method_type: string | null;
  created_at: string;
  finalized_at: string | null;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function toTransactionView(p: PaymentEntity, attempts?: PaymentAttemptEntity[]): TransactionView {
  const next = p.nextAction ?? null;
  const view: TransactionView = {
    id: p.id,
    reference: p.reference,
    wompi_reference: p.wompiReference,
    kind: p.kind,
    payment_link_id: p.paymentLinkId ?? null,
    payment_link_flag: p.paymentLinkFlag ?? null,
    status: p.status,
    status_message: p.statusMessage,
    amount_in_cents: Number(p.amountInCents),
    currency: p.currency,
    payment_method_type: p.paymentMethodType,
    wompi_transaction_id: p.wompiTransactionId,
    async_payment_url: typeof next?.async_payment_url === 'string' ? next.async_payment_url : null,
    next_action: next,
    customer_email: p.customerEmail,
    redirect_url: p.redirectUrl,
    expiration_time: iso(p.expirationTime),
    metadata: p.metadata ?? {},
    created_at: iso(p.createdAt)!,
    updated_at: iso(p.updatedAt)!,
    finalized_at: iso(p.finalizedAt),
    retryable_until: iso(p.retryableUntil),
  };
  if (attempts) {
    view.attempts = attempts.map((a) => ({
      wompi_transaction_id: a.wompiTransactionId,
      status: a.status,
      status_message: a.statusMessage,
      payment_method_type: a.paymentMethodType,
      created_at: iso(a.createdAt)!,
      finalized_at: iso(a.finalizedAt),
    }));
  }
  return view;
}

/** Method extras worth showing the buyer, from a Wompi transaction's payment_method.extra. */
export function nextActionFrom(
  paymentMethod: { extra?: Record<string, unknown> } | undefined,
): Record<string, unknown> | null {
  const extra = paymentMethod?.extra;
  if (!extra) return null;
  const keep = [
    'async_payment_url',
    'url',
    'qr_id',
    'qr_image',
    'business_agreement_code',
    'payment_intention_identifier',
    'url_services',
    'steps',
    'ticket_id',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keep) if (extra[k] !== undefined && extra[k] !== null) out[k] = extra[k];
  return Object.keys(out).length ? out : null;
}
