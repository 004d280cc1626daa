import { BuyerConsentDto } from '../../acceptance/dto/buyer-consent.dto';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  registerDecorator,
  IsDefined,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
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
import { NotWith, OnlyWith } from '../../common/http/validators';
import {
  AmountInCentsField,
  CurrencyCopField,
  ExpirationTimeField,
  METADATA_MAX_BYTES,
  MetadataField,
  RedirectUrlField,
  ReferenceField,
} from './payment-fields';
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
  @ApiPropertyOptional({ example: 'Apartamento 502, Torre I' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  address_line_2?: string;
  @ApiProperty({ description: 'ISO 3166-1 alpha-2', example: 'CO' }) @IsISO31661Alpha2() country: string;
  @ApiProperty({ example: 'Cundinamarca' }) @IsString() @IsNotEmpty() @MaxLength(100) region: string;
  @ApiProperty({ example: 'Bogotá' }) @IsString() @IsNotEmpty() @MaxLength(100) city: string;
  @ApiPropertyOptional({ example: 'Juana Pérez' }) @IsOptional() @IsString() @MaxLength(128) name?: string;
  @ApiProperty({ example: '573001234567' })
  @Matches(/^\+?\d{7,15}$/, { message: 'phone_number must be 7–15 digits, optionally with a leading +' })
  phone_number: string;
  @ApiPropertyOptional({ example: '111111' }) @IsOptional() @IsString() @MaxLength(16) postal_code?: string;
}

/** The DTO class for a `payment_method` value: its type's subclass, or the base (whose type check then fails). */
function paymentMethodClass(value: unknown): typeof PaymentMethodDto {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return PaymentMethodDto;
  const type = (value as { type?: unknown }).type;
  return PAYMENT_METHOD_SUBTYPES.find((s) => s.name === type)?.value ?? PaymentMethodDto;
}

/** `amount_in_cents` at least the minimum of the chosen method, when it has one (BNPL ≥ 10000000, docs/wompi.md#amounts-references-and-redirects). */
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
    // the mapping names each subtype's `type` (without it, generators take the schema's name for it)
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(PAYMENT_METHOD_SUBTYPES.map((s) => [s.name, getSchemaPath(s.value)])),
    },
    example: { type: 'CARD', token: 'tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E', installments: 1 },
  })
  @ValidateIf((o: CreateTransactionDto) => o.payment_source_id === undefined || o.payment_method !== undefined)
  @IsDefined({ message: 'payment_method is required unless payment_source_id is sent' })
  @NotWith('payment_source_id')
  @IsObject({ message: 'payment_method must be an object' })
  @ValidateNested()
  // the subtype is chosen here rather than with class-transformer's `discriminator` option,
  // which reads `.type` of every array element and throws (a 500) on `"payment_method": [null]`
  @Type((o) => paymentMethodClass((o?.object as { payment_method?: unknown } | undefined)?.payment_method))
  payment_method?: PaymentMethodDto;

  @ApiPropertyOptional({
    description: 'A Wompi payment source (saved card, Nequi…) instead of payment_method',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 3891,
  })
  // absent is absent; null is a wrong value (it used to skip the payment_method check and 404)
  @ValidateIf((o: CreateTransactionDto) => o.payment_source_id !== undefined)
  @IsInt({ message: 'payment_source_id must be an integer (a Wompi payment source id)' })
  @Min(1, { message: 'payment_source_id must be at least 1' })
  // what a JSON number carries exactly, and within the bigint column
  @Max(Number.MAX_SAFE_INTEGER, { message: `payment_source_id must be at most ${Number.MAX_SAFE_INTEGER}` })
  payment_source_id?: number;

  @ApiPropertyOptional({
    description: 'Installments when charging a CARD payment source',
    minimum: 1,
    maximum: 36,
    example: 1,
  })
  @IsOptional()
  @OnlyWith('payment_source_id', 'card methods carry installments in payment_method')
  @IsInt()
  @Min(1)
  @Max(36)
  installments?: number;

  @AmountInCentsField(
    { description: 'Integer cents; Wompi minimum COP 1,500, and BANCOLOMBIA_BNPL at least 10000000 (COP 100,000)' },
    AtLeastMethodMinimum(),
  )
  amount_in_cents: number;

  @CurrencyCopField()
  currency: 'COP';

  @ReferenceField({
    description:
      'Your unique reference (letters, digits, - and _). When absent one is derived from your Idempotency-Key, so a retry never pays twice.',
  })
  reference?: string;

  @RedirectUrlField({ description: 'Where Wompi sends the buyer afterwards (with ?id=<wompi transaction id>)' })
  redirect_url?: string;

  @ExpirationTimeField({
    description:
      'ISO 8601 UTC instant (…Z), in the future, after which Wompi refuses the payment; it enters the signature',
  })
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

  @MetadataField({
    description: `Yours (order id and such), stored and echoed; at most ${METADATA_MAX_BYTES} bytes as JSON`,
  })
  metadata?: Record<string, unknown>;
}
