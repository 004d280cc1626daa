import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CUSTOMER_LEGAL_ID_TYPES } from './create-transaction.dto';
import {
  AmountInCentsField,
  CurrencyCopField,
  ExpirationTimeField,
  MetadataField,
  RedirectUrlField,
  ReferenceField,
} from './payment-fields';

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
  @AmountInCentsField({ description: 'Integer cents, fixed and signed server-side; Wompi minimum COP 1,500' })
  amount_in_cents: number;

  @CurrencyCopField()
  currency: 'COP';

  @ReferenceField({
    description:
      'Your unique reference (letters, digits, - and _). When absent one is derived from your Idempotency-Key.',
  })
  reference?: string;

  @RedirectUrlField({
    description:
      'Where Wompi sends the buyer afterwards (with ?id=<wompi transaction id>); https, or http for localhost',
  })
  redirect_url?: string;

  @ExpirationTimeField({
    description:
      'ISO 8601 UTC instant (…Z), in the future, after which Wompi refuses the payment; it enters the signature',
  })
  expiration_time?: string;

  @ApiPropertyOptional({ type: CheckoutCustomerDataDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CheckoutCustomerDataDto)
  customer_data?: CheckoutCustomerDataDto;

  @MetadataField({
    description: 'Yours (order id and such); stored and echoed, also in events. At most 8 KiB as JSON.',
  })
  metadata?: Record<string, unknown>;
}
