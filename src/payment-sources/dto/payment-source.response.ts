import { ApiProperty } from '@nestjs/swagger';
import { PAYMENT_SOURCE_TYPES } from '../payment-source.entity';
import { PaymentSourceView } from '../payment-source.view';

export const PAYMENT_SOURCE_EXAMPLE: PaymentSourceView = {
  id: '5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b',
  wompi_payment_source_id: 3891,
  type: 'NEQUI',
  status: 'AVAILABLE',
  public_data: { type: 'NEQUI', phone_number: '3991111111' },
  customer_email: 'buyer@example.com',
  created_at: '2026-03-01T12:00:00.000Z',
};

/** OpenAPI shape of PaymentSourceView (payment-source.view.ts is the source of truth). */
export class PaymentSourceResponse {
  @ApiProperty({ format: 'uuid', description: 'our id: use it with this API', example: PAYMENT_SOURCE_EXAMPLE.id })
  id: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "Wompi's id: send it as `payment_source_id` to POST /v1/transactions (null only while UNKNOWN)",
    example: 3891,
  })
  wompi_payment_source_id: number | null;
  @ApiProperty({ enum: PAYMENT_SOURCE_TYPES, example: 'NEQUI' }) type: string;
  @ApiProperty({
    description:
      "Wompi's status (AVAILABLE: chargeable; PENDING: not yet, e.g. 3DS; VOIDED: never again), or ours: UNKNOWN when Wompi's answer to the create was lost",
    example: 'AVAILABLE',
  })
  status: string;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: "Wompi's public_data, read from Wompi (never stored here)",
    example: PAYMENT_SOURCE_EXAMPLE.public_data,
  })
  public_data: Record<string, unknown> | null;
  @ApiProperty({ example: 'buyer@example.com' }) customer_email: string;
  @ApiProperty({ example: '2026-03-01T12:00:00.000Z' }) created_at: string;
}
