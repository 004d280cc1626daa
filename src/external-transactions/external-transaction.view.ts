import { ExternalTransactionEntity } from './external-transaction.entity';

/** An external transaction as operators list it and as `transaction.external` carries it in `data`. */
export interface ExternalTransactionView {
  id: string;
  wompi_transaction_id: string;
  /** Wompi's reference: none of ours */
  reference: string;
  amount_in_cents: number;
  currency: string;
  /** Wompi's status as last reported */
  status: string;
  payment_method_type: string | null;
  /** a Wompi payment link that is not one of ours, when it came through one */
  wompi_payment_link_id: string | null;
  /** the payment EXTERNAL_PAYMENTS_OWNER claimed it as (kind EXTERNAL); null: nobody owns it, nothing is fulfilled */
  payment_id: string | null;
  first_seen_at: string;
  last_status_at: string;
}

export function toExternalTransactionView(r: ExternalTransactionEntity): ExternalTransactionView {
  return {
    id: r.id,
    wompi_transaction_id: r.wompiTransactionId,
    reference: r.reference,
    amount_in_cents: Number(r.amountInCents),
    currency: r.currency,
    status: r.status,
    payment_method_type: r.paymentMethodType,
    wompi_payment_link_id: r.wompiPaymentLinkId,
    payment_id: r.paymentId,
    first_seen_at: new Date(r.firstSeenAt).toISOString(),
    last_status_at: new Date(r.lastStatusAt).toISOString(),
  };
}
