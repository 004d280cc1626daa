import { ApiProperty } from '@nestjs/swagger';

export class CheckoutSignature {
  @ApiProperty({
    description: 'SHA-256 hex of wompi_reference + amount_in_cents + currency [+ expiration_time] + integrity secret',
    example: '37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5',
  })
  integrity: string;
}

export class CheckoutCustomerData {
  @ApiProperty({ required: false, example: 'buyer@example.com' }) email?: string;
  @ApiProperty({ required: false, example: 'Juana Pérez' }) full_name?: string;
  @ApiProperty({ required: false, example: '3001234567' }) phone_number?: string;
  @ApiProperty({ required: false, example: '+57' }) phone_number_prefix?: string;
  @ApiProperty({ required: false, example: '1999888777' }) legal_id?: string;
  @ApiProperty({ required: false, example: 'CC' }) legal_id_type?: string;
}

export class CheckoutSessionResponse {
  @ApiProperty({
    description: 'Our payment id (GET /v1/transactions/:id)',
    example: '3f2b9c1e-8d4a-4b7e-9c61-2a8d4e7f1b90',
  })
  id: string;

  @ApiProperty({ description: 'your own reference (unique among your payments)', example: 'order-1234' })
  reference: string;

  @ApiProperty({
    description:
      'the reference Wompi sees (checkout URL, Widget, integrity signature): derived from your caller name and reference',
    example: 'order-1234-5f0c2a9be1d47c3a86f2e190',
  })
  wompi_reference: string;

  @ApiProperty({ example: 2_490_000 })
  amount_in_cents: number;

  @ApiProperty({ enum: ['COP'], example: 'COP' })
  currency: string;

  @ApiProperty({ description: "The merchant's Wompi public key", example: 'pub_test_Q5yDA9xoKdePzhSGeVe9HAez7HgGORGf' })
  public_key: string;

  @ApiProperty({ type: CheckoutSignature })
  signature: CheckoutSignature;

  @ApiProperty({ nullable: true, type: String, example: 'https://shop.example.co/payments/return' })
  redirect_url: string | null;

  @ApiProperty({ nullable: true, type: String, example: '2026-12-31T23:59:59.000Z' })
  expiration_time: string | null;

  @ApiProperty({ type: CheckoutCustomerData, nullable: true })
  customer_data: CheckoutCustomerData | null;

  @ApiProperty({
    description: 'Wompi Web Checkout URL with every parameter, ready to redirect the buyer to',
    example:
      'https://checkout.wompi.co/p/?public-key=pub_test_Q5yDA9xoKdePzhSGeVe9HAez7HgGORGf&currency=COP&amount-in-cents=2490000&reference=order-1234&signature%3Aintegrity=37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5&redirect-url=https%3A%2F%2Fshop.example.co%2Fpayments%2Freturn',
  })
  checkout_url: string;

  @ApiProperty({
    description: 'The Widget\'s `data-*` attributes for `<script src="https://checkout.wompi.co/widget.js" …>`',
    example: {
      'data-render': 'button',
      'data-public-key': 'pub_test_Q5yDA9xoKdePzhSGeVe9HAez7HgGORGf',
      'data-currency': 'COP',
      'data-amount-in-cents': '2490000',
      'data-reference': 'order-1234',
      'data-signature:integrity': '37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5',
      'data-redirect-url': 'https://shop.example.co/payments/return',
    },
  })
  widget: Record<string, string>;

  @ApiProperty({
    enum: ['PENDING', 'UNKNOWN', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED', 'EXPIRED'],
    example: 'PENDING',
  })
  status: string;

  @ApiProperty({ example: { order_id: 'A-1001' } })
  metadata: Record<string, unknown>;
}
