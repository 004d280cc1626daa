import { MERCHANT_PROFILE } from '../domain/test-data';
import { TransactionRecord } from './sandbox-store';

function paymentMethod(tx: TransactionRecord): Record<string, unknown> {
  const { type, extra, ...echoed } = tx.paymentMethod;
  return { type, extra: { ...extra }, ...echoed };
}

/** Key order of a real `POST /transactions` 201 (docs/wompi.md#creating-a-transaction, UAT capture). */
export function transactionView(tx: TransactionRecord): Record<string, unknown> {
  return {
    id: tx.id,
    created_at: tx.createdAt.toISOString(),
    finalized_at: tx.finalizedAt ? tx.finalizedAt.toISOString() : null,
    amount_in_cents: tx.amountInCents,
    reference: tx.reference,
    customer_email: tx.customerEmail,
    currency: tx.currency,
    payment_method_type: tx.paymentMethodType,
    payment_method: paymentMethod(tx),
    status: tx.status,
    status_message: tx.statusMessage,
    billing_data: tx.billingData ?? null,
    shipping_address: tx.shippingAddress ?? null,
    redirect_url: tx.redirectUrl,
    payment_source_id: tx.paymentSourceId,
    payment_link_id: tx.paymentLinkId,
    customer_data: tx.customerData ?? null,
    bill_id: null,
    taxes: tx.taxes,
    tip_in_cents: tx.tipInCents,
  };
}

/** `GET /transactions/{id}` adds the merchant (docs/wompi.md#reading-and-searching-transactions), just before `taxes` as in the real capture. */
export function transactionWithMerchant(
  tx: TransactionRecord,
  merchantId: number,
  publicKey: string,
): Record<string, unknown> {
  const { taxes, tip_in_cents: tip, ...head } = transactionView(tx);
  return {
    ...head,
    merchant: {
      id: merchantId,
      name: MERCHANT_PROFILE.name,
      legal_name: MERCHANT_PROFILE.legal_name,
      contact_name: MERCHANT_PROFILE.contact_name,
      phone_number: MERCHANT_PROFILE.phone_number,
      logo_url: null,
      legal_id_type: MERCHANT_PROFILE.legal_id_type,
      email: MERCHANT_PROFILE.email,
      legal_id: MERCHANT_PROFILE.legal_id,
      public_key: publicKey,
    },
    taxes,
    tip_in_cents: tip,
  };
}

/** `data.transaction` of a real event: no merchant, taxes, bill_id or tip (docs/wompi.md#events-and-the-checksum). */
export function eventTransactionView(tx: TransactionRecord): Record<string, unknown> {
  return {
    id: tx.id,
    created_at: tx.createdAt.toISOString(),
    finalized_at: tx.finalizedAt ? tx.finalizedAt.toISOString() : null,
    amount_in_cents: tx.amountInCents,
    reference: tx.reference,
    customer_email: tx.customerEmail,
    currency: tx.currency,
    payment_method_type: tx.paymentMethodType,
    payment_method: paymentMethod(tx),
    status: tx.status,
    status_message: tx.statusMessage,
    shipping_address: tx.shippingAddress ?? null,
    redirect_url: tx.redirectUrl,
    payment_source_id: tx.paymentSourceId,
    payment_link_id: tx.paymentLinkId,
    customer_data: tx.customerData ?? null,
    billing_data: tx.billingData ?? null,
    origin: null,
  };
}
