import { PaymentLinkEntity } from './payment-link.entity';

/** What callers see of a payment link (snake_case; `id` is ours, Wompi's beside it). */
export interface PaymentLinkView {
  id: string;
  wompi_payment_link_id: string | null;
  /** the page to share with the buyer; null while Wompi has not confirmed the link */
  checkout_url: string | null;
  status: string;
  active: boolean;
  name: string;
  description: string;
  single_use: boolean;
  collect_shipping: boolean;
  amount_in_cents: number | null;
  currency: string;
  expires_at: string | null;
  redirect_url: string | null;
  sku: string | null;
  metadata: Record<string, unknown>;
  deactivated_at: string | null;
  created_at: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Wompi's link page: `<checkout origin>/l/<id>` (docs/wompi.md#environments-and-keys; the API returns no URL). */
export function checkoutUrlFor(checkoutBase: string, wompiId: string): string {
  return new URL(`/l/${encodeURIComponent(wompiId)}`, checkoutBase).toString();
}

export function toPaymentLinkView(row: PaymentLinkEntity, checkoutBase: string): PaymentLinkView {
  return {
    id: row.id,
    wompi_payment_link_id: row.wompiPaymentLinkId,
    checkout_url: row.wompiPaymentLinkId ? checkoutUrlFor(checkoutBase, row.wompiPaymentLinkId) : null,
    status: row.status,
    active: row.status === 'ACTIVE',
    name: row.name,
    description: row.description,
    single_use: row.singleUse,
    collect_shipping: row.collectShipping,
    amount_in_cents: row.amountInCents === null ? null : Number(row.amountInCents),
    currency: row.currency,
    expires_at: iso(row.expiresAt),
    redirect_url: row.redirectUrl,
    sku: row.sku,
    metadata: row.metadata ?? {},
    deactivated_at: iso(row.deactivatedAt),
    created_at: new Date(row.createdAt).toISOString(),
  };
}
