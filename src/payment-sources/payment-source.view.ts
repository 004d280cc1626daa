import { PaymentSourceEntity } from './payment-source.entity';

/** What callers see of a payment source (snake_case; `id` is ours, Wompi's id beside it). */
export interface PaymentSourceView {
  id: string;
  wompi_payment_source_id: number | null;
  type: string;
  status: string;
  /** Wompi's `public_data` as it is now (phone number, account digits…); null when Wompi holds no source for it yet */
  public_data: Record<string, unknown> | null;
  customer_email: string;
  created_at: string;
}

export function toPaymentSourceView(
  row: PaymentSourceEntity,
  publicData: Record<string, unknown> | null,
): PaymentSourceView {
  return {
    id: row.id,
    wompi_payment_source_id: row.wompiPaymentSourceId,
    type: row.type,
    status: row.status,
    public_data: publicData,
    customer_email: row.customerEmail,
    created_at: new Date(row.createdAt).toISOString(),
  };
}
