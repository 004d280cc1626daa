import { BuyerConsentDto } from '../../acceptance/dto/buyer-consent.dto';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  registerDecorator,
  Equals,
  IsDefined,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { IsRedirectUrl, MaxJsonBytes, NotWith, OnlyWith } from '../../common/http/validators';
import { REFERENCE_PATTERN } from '../references';
import {
  BancolombiaBnplMethodDto,
  BancolombiaCollectMethodDto,
  BancolombiaQrMethodDto,
  BancolombiaTransferMethodDto,
  CardMethodDto,
  DaviplataMethodDto,
  minAmountFor,
  NequiMethodDto,
  PAYMENT_METHOD_SUBTYPES,
  PaymentMethodDto,
  PcolMethodDto,
  PseMethodDto,
} from './payment-method.dto';

/** Wompi's business minimum (COP 1,500) and the API maximum (REFERENCE.md §11). */
export const MIN_AMOUNT_IN_CENTS = 150_000;
export const MAX_AMOUNT_IN_CENTS = 1_000_000_000_000;
export const METADATA_MAX_BYTES = 8 * 1024;
export const CUSTOMER_LEGAL_ID_TYPES = ['CC', 'NIT', 'PP', 'CE', 'TI', 'DNI', 'RG', 'OTHER'] as const;

export class CustomerDataDto {
  @ApiPropertyOptional({ example: '+573001234567' })
  @IsOptional()
  @Matches(/^\+?\d{7,15}$/, { message: 'phone_number must be 7–15 digits, optionally with a leading +' })
  phone_number?: string;

  @ApiProperty({ example: 'Juana Pérez' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  full_name: string;

  @ApiPropertyOptional({ example: '1999888777' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9-]{1,20}$/, { message: 'legal_id must be 1–20 letters, digits or dashes' })
  legal_id?: string;

  @ApiPropertyOptional({ enum: CUSTOMER_LEGAL_ID_TYPES, example: 'CC' })
  @IsOptional()
  @IsIn(CUSTOMER_LEGAL_ID_TYPES)
  legal_id_type?: string;
}

export class ShippingAddressDto {
  @ApiProperty({ example: 'Calle 34 # 56 - 78' }) @IsString() @IsNotEmpty() @MaxLength(200) address_line_1: string;
  @ApiPropertyOptional({ example: 'Apartamento 502, Torre I' }) @IsOptional() @IsString() @MaxLength(200) address_line_2?: string;
  @ApiProperty({ description: 'ISO 3166-1 alpha-2', example: 'CO' }) @IsISO31661Alpha2() country: string;
  @ApiProperty({ example: 'Cundinamarca' }) @IsString() @IsNotEmpty() @MaxLength(100) region: string;
  @ApiProperty({ example: 'Bogotá' }) @IsString() @IsNotEmpty() @MaxLength(100) city: string;
  @ApiPropertyOptional({ example: 'Juana Pérez' }) @IsOptional() @IsString() @MaxLength(128) name?: string;
  @ApiProperty({ example: '573001234567' }) @Matches(/^\+?\d{7,15}$/, { message: 'phone_number must be 7–15 digits, optionally with a leading +' }) phone_number: string;
  @ApiPropertyOptional({ example: '111111' }) @IsOptional() @IsString() @MaxLength(16) postal_code?: string;
}


/** `amount_in_cents` at least the minimum of the chosen method, when it has one (BNPL ≥ 10000000, REFERENCE §11). */
function AtLeastMethodMinimum(): PropertyDecorator {
  const methodOf = (a?: ValidationArguments) => {
    const type = (a?.object as CreateTransactionDto | undefined)?.payment_method?.type;
    return { type, min: minAmountFor(type) };
  };
  return (target, propertyName) =>
    registerDecorator({
      name: 'atLeastMethodMinimum',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, a?: ValidationArguments) => {
          const { min } = methodOf(a);
          return min === undefined || typeof value !== 'number' || value >= min;
        },
        defaultMessage: (a?: ValidationArguments) => {
          const { type, min } = methodOf(a);
          return `amount_in_cents must be at least ${min} (COP ${((min ?? 0) / 100).toLocaleString('en-US')}) for ${type}`;
        },
      },
    });
}

@ApiExtraModels(
  CardMethodDto,
  NequiMethodDto,
  PseMethodDto,
  BancolombiaTransferMethodDto,
  BancolombiaQrMethodDto,
  BancolombiaCollectMethodDto,
  DaviplataMethodDto,
  PcolMethodDto,
  BancolombiaBnplMethodDto,
)
export class CreateTransactionDto extends BuyerConsentDto {
  @ApiPropertyOptional({
    description: 'How the buyer pays (exactly one of payment_method or payment_source_id)',
    oneOf: PAYMENT_METHOD_SUBTYPES.map((s) => ({ $ref: getSchemaPath(s.value) })),
    discriminator: { propertyName: 'type' },
    example: { type: 'CARD', token: 'tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E', installments: 1 },
  })
  @ValidateIf((o: CreateTransactionDto) => o.payment_source_id === undefined || o.payment_method !== undefined)
  @IsDefined({ message: 'payment_method is required unless payment_source_id is sent' })
  @NotWith('payment_source_id')
  @IsObject({ message: 'payment_method must be an object' })
  @ValidateNested()
  @Type(() => PaymentMethodDto, { discriminator: { property: 'type', subTypes: PAYMENT_METHOD_SUBTYPES }, keepDiscriminatorProperty: true })
  payment_method?: PaymentMethodDto;

  @ApiPropertyOptional({ description: 'A Wompi payment source (saved card, Nequi…) instead of payment_method', example: 3891 })
  @IsOptional()
  @IsInt()
  @Min(1)
  payment_source_id?: number;

  @ApiPropertyOptional({ description: 'Installments when charging a CARD payment source', minimum: 1, maximum: 36, example: 1 })
  @IsOptional()
  @OnlyWith('payment_source_id', 'card methods carry installments in payment_method')
  @IsInt()
  @Min(1)
  @Max(36)
  installments?: number;

  @ApiProperty({
    description: 'Integer cents; Wompi minimum COP 1,500, and BANCOLOMBIA_BNPL at least 10000000 (COP 100,000)',
    minimum: MIN_AMOUNT_IN_CENTS,
    maximum: MAX_AMOUNT_IN_CENTS,
    example: 2_490_000,
  })
  @IsInt({ message: 'amount_in_cents must be an integer number of cents' })
  @Min(MIN_AMOUNT_IN_CENTS, { message: `amount_in_cents must be at least ${MIN_AMOUNT_IN_CENTS} (COP 1,500)` })
  @Max(MAX_AMOUNT_IN_CENTS)
  @AtLeastMethodMinimum()
  amount_in_cents: number;

  @ApiProperty({ enum: ['COP'], example: 'COP' })
  @Equals('COP', { message: 'currency must be COP' })
  currency: 'COP';


  @ApiPropertyOptional({
    description: 'Your unique reference (letters, digits, - and _). When absent one is derived from your Idempotency-Key, so a retry never pays twice.',
    pattern: REFERENCE_PATTERN.source,
    example: 'order-1234',
  })
  @IsOptional()
  @Matches(REFERENCE_PATTERN, { message: 'reference must be 1–64 letters, digits, - or _' })
  reference?: string;

  @ApiPropertyOptional({ description: 'Where Wompi sends the buyer afterwards (with ?id=<wompi transaction id>)', example: 'https://shop.example.co/payments/return' })
  @IsOptional()
  @IsRedirectUrl()
  redirect_url?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 UTC instant after which Wompi refuses the payment', example: '2026-12-31T23:59:59.000Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiration_time must be an ISO 8601 instant' })
  expiration_time?: string;

  @ApiPropertyOptional({ type: CustomerDataDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CustomerDataDto)
  customer_data?: CustomerDataDto;

  @ApiPropertyOptional({ type: ShippingAddressDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shipping_address?: ShippingAddressDto;

  @ApiPropertyOptional({ description: `Yours (order id and such), stored and echoed; at most ${METADATA_MAX_BYTES} bytes as JSON`, example: { order_id: 'ord_1234' } })
  @IsOptional()
  @IsObject({ message: 'metadata must be a JSON object' })
  @MaxJsonBytes(METADATA_MAX_BYTES)
  metadata?: Record<string, unknown>;
}
