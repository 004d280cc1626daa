import { ApiProperty } from '@nestjs/swagger';
import { PaymentLinkView } from '../payment-link.view';
import { PAYMENT_LINK_STATUSES } from './payment-link.dto';

export const PAYMENT_LINK_EXAMPLE: PaymentLinkView = {
  id: '7d1e3c5b-2a4f-4e6b-9c8d-0f1a2b3c4d5e',
  wompi_payment_link_id: 'test_Ab12Cd',
  checkout_url: 'https://checkout.wompi.co/l/test_Ab12Cd',
  status: 'ACTIVE',
  active: true,
  name: 'Camiseta talla M',
  description: 'Camiseta de algodón, talla M, envío incluido',
  single_use: true,
  collect_shipping: false,
  amount_in_cents: 5_000_000,
  currency: 'COP',
  expires_at: '2026-12-31T23:59:59.000Z',
  redirect_url: 'https://shop.example.co/gracias',
  sku: 'CAM-M-001',
  metadata: { order_id: 'A-1001' },
  deactivated_at: null,
  created_at: '2026-03-01T12:00:00.000Z',
};

/** OpenAPI shape of PaymentLinkView (payment-link.view.ts is the source of truth). */
export class PaymentLinkResponse {
  @ApiProperty({
    format: 'uuid',
    description: 'our id: use it with this API; payments made through the link carry it as `payment_link_id`',
    example: PAYMENT_LINK_EXAMPLE.id,
  })
  id: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "Wompi's id (null only while UNKNOWN)",
    example: PAYMENT_LINK_EXAMPLE.wompi_payment_link_id,
  })
  wompi_payment_link_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'the page to share with the buyer (WhatsApp, Instagram…)',
    example: PAYMENT_LINK_EXAMPLE.checkout_url,
  })
  checkout_url: string | null;
  @ApiProperty({
    enum: PAYMENT_LINK_STATUSES,
    description: "UNKNOWN: Wompi's answer to the create was lost; the link is never shared",
    example: 'ACTIVE',
  })
  status: string;
  @ApiProperty({ example: true }) active: boolean;
  @ApiProperty({ example: PAYMENT_LINK_EXAMPLE.name }) name: string;
  @ApiProperty({ example: PAYMENT_LINK_EXAMPLE.description }) description: string;
  @ApiProperty({ example: true }) single_use: boolean;
  @ApiProperty({ example: false }) collect_shipping: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'null: the payer chooses', example: 5_000_000 })
  amount_in_cents: number | null;
  @ApiProperty({ example: 'COP' }) currency: string;
  @ApiProperty({ nullable: true, type: String, example: PAYMENT_LINK_EXAMPLE.expires_at }) expires_at: string | null;
  @ApiProperty({ nullable: true, type: String, example: PAYMENT_LINK_EXAMPLE.redirect_url }) redirect_url:
    string | null;
  @ApiProperty({ nullable: true, type: String, example: PAYMENT_LINK_EXAMPLE.sku }) sku: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: PAYMENT_LINK_EXAMPLE.metadata }) metadata: Record<
    string,
    unknown
  >;
  @ApiProperty({ nullable: true, type: String, description: 'when it was deactivated through this API', example: null })
  deactivated_at: string | null;
  @ApiProperty({ example: PAYMENT_LINK_EXAMPLE.created_at }) created_at: string;
}

export class PaymentLinkPage {
  @ApiProperty({ type: [PaymentLinkResponse] }) data: PaymentLinkView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `cursor` for the next page; null on the last page',
  })
  next_cursor: string | null;
}
