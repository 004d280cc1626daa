import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsEmail, IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsRedirectUrl, MaxJsonBytes } from '../../common/http/validators';
import { CUSTOMER_LEGAL_ID_TYPES, MAX_AMOUNT_IN_CENTS, METADATA_MAX_BYTES, MIN_AMOUNT_IN_CENTS } from './create-transaction.dto';
import { REFERENCE_PATTERN } from '../references';

/** expiration_time: an ISO 8601 instant in UTC (Z), as Wompi signs it */
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Prefills the buyer's data on Wompi's checkout (`customer-data:*`). */
export class CheckoutCustomerDataDto {
  @ApiPropertyOptional({ example: 'buyer@example.com' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: 'Juana Pérez' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  full_name?: string;

  @ApiPropertyOptional({ description: 'National number, without the prefix', example: '3001234567' })
  @IsOptional()
  @Matches(/^\d{7,15}$/, { message: 'phone_number must be 7–15 digits' })
  phone_number?: string;

  @ApiPropertyOptional({ example: '+57' })
  @IsOptional()
  @Matches(/^\+\d{1,4}$/, { message: 'phone_number_prefix must look like +57' })
  phone_number_prefix?: string;

  @ApiPropertyOptional({ example: '1999888777' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9-]{1,20}$/, { message: 'legal_id must be 1–20 letters, digits or dashes' })
  legal_id?: string;

  @ApiPropertyOptional({ enum: CUSTOMER_LEGAL_ID_TYPES, example: 'CC' })
  @IsOptional()
  @IsIn(CUSTOMER_LEGAL_ID_TYPES)
  legal_id_type?: string;
}

export class CreateCheckoutSessionDto {
  @ApiProperty({ description: 'Integer cents, fixed and signed server-side; Wompi minimum COP 1,500', minimum: MIN_AMOUNT_IN_CENTS, maximum: MAX_AMOUNT_IN_CENTS, example: 2_490_000 })
  @IsInt({ message: 'amount_in_cents must be an integer number of cents' })
  @Min(MIN_AMOUNT_IN_CENTS, { message: `amount_in_cents must be at least ${MIN_AMOUNT_IN_CENTS} (COP 1,500)` })
  @Max(MAX_AMOUNT_IN_CENTS)
  amount_in_cents: number;

  @ApiProperty({ enum: ['COP'], example: 'COP' })
  @Equals('COP', { message: 'currency must be COP' })
  currency: 'COP';

  @ApiPropertyOptional({
    description: 'Your unique reference (letters, digits, - and _). When absent one is derived from your Idempotency-Key.',
    pattern: REFERENCE_PATTERN.source,
    example: 'order-1234',
  })
  @IsOptional()
  @Matches(REFERENCE_PATTERN, { message: 'reference must be 1–64 letters, digits, - or _' })
  reference?: string;

  @ApiPropertyOptional({ description: 'Where Wompi sends the buyer afterwards (with ?id=<wompi transaction id>); https, or http for localhost', example: 'https://shop.example.co/payments/return' })
  @IsOptional()
  @IsRedirectUrl()
  redirect_url?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 UTC instant (…Z), in the future, after which Wompi refuses the payment; it enters the signature', example: '2026-12-31T23:59:59.000Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiration_time must be an ISO 8601 instant' })
  @Matches(UTC_INSTANT, { message: 'expiration_time must be in UTC, e.g. 2026-12-31T23:59:59.000Z' })
  expiration_time?: string;

  @ApiPropertyOptional({ type: CheckoutCustomerDataDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CheckoutCustomerDataDto)
  customer_data?: CheckoutCustomerDataDto;

  @ApiPropertyOptional({ description: 'Yours (order id and such); stored and echoed, also in events. At most 8 KiB as JSON.', example: { order_id: 'A-1001' } })
  @IsOptional()
  @IsObject({ message: 'metadata must be an object' })
  @MaxJsonBytes(METADATA_MAX_BYTES)
  metadata?: Record<string, unknown>;
}
