import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PAYMENT_STATUSES } from '../payment-status';

/** OpenAPI shapes of TransactionView (transaction.view.ts is the source of truth). */
export class AttemptResponse {
  @ApiProperty({ nullable: true, example: '12345-1668624561-38705' }) wompi_transaction_id: string | null;
  @ApiProperty({
    enum: PAYMENT_STATUSES.filter((s) => s !== 'EXPIRED'),
    description: "Wompi's status of this transaction (EXPIRED is only ever the payment's)",
    example: 'APPROVED',
  })
  status: string;
  @ApiProperty({ nullable: true, example: null }) status_message: string | null;
  @ApiProperty({ nullable: true, example: 'CARD' }) payment_method_type: string | null;
  @ApiProperty({ example: '2026-03-01T12:00:00.000Z' }) created_at: string;
  @ApiProperty({ nullable: true, example: '2026-03-01T12:00:02.000Z' }) finalized_at: string | null;
}

export class TransactionResponse {
  @ApiProperty({ format: 'uuid', example: '8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a' }) id: string;
  @ApiProperty({ description: 'your own reference (unique among your payments)', example: 'order-1234' })
  reference: string;
  @ApiProperty({
    description:
      'the reference Wompi knows (its dashboard, its events): derived from your caller name and reference; equal to `reference` for payments made before per-caller references',
    example: 'order-1234-5f0c2a9be1d47c3a86f2e190',
  })
  wompi_reference: string;
  @ApiProperty({
    enum: ['TRANSACTION', 'CHECKOUT', 'PAYMENT_LINK', 'EXTERNAL'],
    description:
      'PAYMENT_LINK: a buyer paid one of your payment links (`reference` and `wompi_reference` are the one Wompi generated); EXTERNAL: a Wompi transaction with a reference this service never issued, claimed by EXTERNAL_PAYMENTS_OWNER',
    example: 'TRANSACTION',
  })
  kind: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'the payment link (GET /v1/payment-links/:id) this payment came from',
    example: null,
  })
  payment_link_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['EXPIRED', 'DEACTIVATED'],
    description:
      'set when the buyer paid a link that had expired or been deactivated: the money moved and the payment is recorded, but look at it',
    example: null,
  })
  payment_link_flag: string | null;
  @ApiProperty({
    enum: PAYMENT_STATUSES,
    description:
      'UNKNOWN: Wompi did not answer the create in time; the service resolves it by reference (never re-posts) and the status follows. ' +
      "EXPIRED: ours, not Wompi's — still PENDING at Wompi past its payment method's horizon (PENDING_HORIZONS), or a checkout session nobody paid by its expiration; a later approval at Wompi still moves it to APPROVED (docs/buyer-retry-and-horizons.md)",
    example: 'PENDING',
  })
  status: string;
  @ApiProperty({ nullable: true, example: null }) status_message: string | null;
  @ApiProperty({ example: 2490000 }) amount_in_cents: number;
  @ApiProperty({ example: 'COP' }) currency: string;
  @ApiProperty({ nullable: true, example: 'PSE' }) payment_method_type: string | null;
  @ApiProperty({ nullable: true, example: '12345-1668624561-38705' }) wompi_transaction_id: string | null;
  @ApiProperty({
    nullable: true,
    description: 'send the buyer here (PSE bank, Bancolombia transfer, PCOL)',
    example: 'https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561',
  })
  async_payment_url: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description:
      'every method extra the buyer needs: async_payment_url, qr_id/qr_image (Bancolombia QR), business_agreement_code/payment_intention_identifier (collect), url/url_services (Daviplata)…',
    example: {
      async_payment_url: 'https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561',
    },
  })
  next_action: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, example: 'buyer@example.com' }) customer_email: string | null;
  @ApiProperty({ nullable: true, example: 'https://shop.example.co/payments/return' }) redirect_url: string | null;
  @ApiProperty({ nullable: true, example: null }) expiration_time: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { order_id: 'ord_1234' } }) metadata: Record<
    string,
    unknown
  >;
  @ApiProperty({ example: '2026-03-01T12:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-03-01T12:00:00.500Z' }) updated_at: string;
  @ApiProperty({ nullable: true, example: null }) finalized_at: string | null;
  @ApiProperty({
    nullable: true,
    format: 'date-time',
    description:
      'a checkout or payment-link payment that is DECLINED/ERROR: until this instant the buyer may still retry under the same reference, and transaction.declined/error is published only then (not at all if a retry is approved first). Null otherwise.',
    example: null,
  })
  retryable_until: string | null;
  @ApiPropertyOptional({
    type: [AttemptResponse],
    description: 'the Wompi transactions of this payment (a buyer retry makes several); single reads only',
  })
  attempts?: AttemptResponse[];
}

export class TransactionListResponse {
  @ApiProperty({ type: [TransactionResponse] }) data: TransactionResponse[];
  @ApiProperty({
    nullable: true,
    description: 'pass as `cursor` for the next page; null on the last page',
    example: null,
  })
  next_cursor: string | null;
}

/** Moved to src/common/http; re-exported for the controllers that import it from here. */
export { ProblemResponse } from '../../common/http/problem.response';
