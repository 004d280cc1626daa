import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Equals,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsRedirectUrl } from '../../common/http/validators';
import {
  METHOD_MIN_AMOUNT_IN_CENTS,
  WOMPI_PAYMENT_METHOD_TYPES,
  WompiPaymentMethodType,
} from '../../wompi/wompi.types';

/** Wompi's limits per method (docs/wompi.md#payment-methods, #validation-messages). */
export const PSE_LEGAL_ID_TYPES = ['RC', 'TI', 'CC', 'TE', 'CE', 'NIT', 'PP', 'DNI'] as const;
export const DAVIPLATA_LEGAL_ID_TYPES = ['CC', 'CE', 'NIT', 'PP', 'TI'] as const;
/** Wompi documents none of BNPL's id types; these are the ones the sandbox takes (as for Daviplata). */
export const BNPL_LEGAL_ID_TYPES = ['CC', 'CE', 'NIT', 'PP', 'TI'] as const;
/** Bancolombia's buy-now-pay-later is Colombian only: `phone_code` "+57" (docs/wompi.md#payment-methods). */
export const BNPL_PHONE_CODES = ['+57'] as const;
export const SANDBOX_STATUSES = ['APPROVED', 'DECLINED', 'ERROR'] as const;
export const PCOL_SANDBOX_STATUSES = ['APPROVED_ONLY_POINTS', 'APPROVED_HALF_POINTS', 'DECLINED', 'ERROR'] as const;
const DESCRIPTION_MAX = 64;
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** `payment_method`, discriminated by `type`; the subclasses below add each method's fields. */
export class PaymentMethodDto {
  @ApiProperty({ enum: WOMPI_PAYMENT_METHOD_TYPES, example: 'CARD' })
  @IsIn(WOMPI_PAYMENT_METHOD_TYPES, { message: `type must be one of ${WOMPI_PAYMENT_METHOD_TYPES.join(', ')}` })
  type: WompiPaymentMethodType;
}

export class CardMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['CARD'] }) @Equals('CARD') override type = 'CARD' as const;

  @ApiProperty({
    description: 'Wompi card token (tokenised in the browser; card numbers never reach this service)',
    example: 'tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E',
  })
  @IsString()
  @Matches(/^tok_(test|prod|stagtest)_[A-Za-z0-9_]{1,120}$/, {
    message: 'token must be a Wompi card token (tok_test_… or tok_prod_…)',
  })
  token: string;

  @ApiProperty({ minimum: 1, maximum: 36, example: 1 })
  @IsInt()
  @Min(1)
  @Max(36)
  installments: number;
}

export class NequiMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['NEQUI'] }) @Equals('NEQUI') override type = 'NEQUI' as const;

  @ApiProperty({ description: '10-digit Colombian mobile number', example: '3991111111' })
  @IsString()
  @Matches(/^3\d{9}$/, { message: 'phone_number must be a 10-digit Colombian mobile number (3XXXXXXXXX)' })
  phone_number: string;
}

export class PseMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['PSE'] }) @Equals('PSE') override type = 'PSE' as const;

  @ApiProperty({ enum: [0, 1], description: '0 natural person, 1 legal entity', example: 0 })
  @IsIn([0, 1], { message: 'user_type must be 0 (natural person) or 1 (legal entity)' })
  user_type: 0 | 1;

  @ApiProperty({ enum: PSE_LEGAL_ID_TYPES, example: 'CC' })
  @IsIn(PSE_LEGAL_ID_TYPES, { message: `user_legal_id_type must be one of ${PSE_LEGAL_ID_TYPES.join(', ')}` })
  user_legal_id_type: string;

  @ApiProperty({ example: '1999888777' })
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,20}$/, { message: 'user_legal_id must be 1–20 letters, digits or dashes' })
  user_legal_id: string;

  @ApiProperty({
    description: 'a code from GET /pse/financial_institutions (sandbox: "1" approves, "2" declines, "3" errors)',
    example: '1',
  })
  @IsString()
  @Matches(/^\d{1,10}$/, { message: 'financial_institution_code must be the bank code (digits) as a string' })
  financial_institution_code: string;

  @ApiProperty({ maxLength: DESCRIPTION_MAX, example: 'Order 1234' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DESCRIPTION_MAX)
  payment_description: string;

  @ApiPropertyOptional({ description: "payer's IP address", example: '190.24.1.10' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reference_one?: string;

  @ApiPropertyOptional({ description: 'date, yyyymmdd', example: '20260301' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reference_two?: string;

  @ApiPropertyOptional({ description: "beneficiary's document", example: '1999888777' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reference_three?: string;
}

export class BancolombiaTransferMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['BANCOLOMBIA_TRANSFER'] }) @Equals('BANCOLOMBIA_TRANSFER') override type =
    'BANCOLOMBIA_TRANSFER' as const;

  @ApiProperty({ enum: ['PERSON'], example: 'PERSON' })
  @Equals('PERSON', { message: 'user_type must be PERSON' })
  user_type: 'PERSON';

  @ApiProperty({ maxLength: DESCRIPTION_MAX, example: 'Order 1234' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DESCRIPTION_MAX)
  @Matches(/^[^']*$/, { message: 'payment_description must not contain single quotes' })
  payment_description: string;

  @ApiPropertyOptional({ example: 'https://shop.example.co/orders/1234' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  ecommerce_url?: string;

  @ApiPropertyOptional({ enum: SANDBOX_STATUSES, description: 'sandbox only: the outcome to simulate' })
  @IsOptional()
  @IsIn(SANDBOX_STATUSES)
  sandbox_status?: string;
}

export class BancolombiaQrMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['BANCOLOMBIA_QR'] }) @Equals('BANCOLOMBIA_QR') override type = 'BANCOLOMBIA_QR' as const;

  @ApiProperty({ maxLength: DESCRIPTION_MAX, example: 'Order 1234' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DESCRIPTION_MAX)
  payment_description: string;

  @ApiPropertyOptional({ enum: SANDBOX_STATUSES, description: 'sandbox only: the outcome to simulate' })
  @IsOptional()
  @IsIn(SANDBOX_STATUSES)
  sandbox_status?: string;
}

export class BancolombiaCollectMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['BANCOLOMBIA_COLLECT'] }) @Equals('BANCOLOMBIA_COLLECT') override type =
    'BANCOLOMBIA_COLLECT' as const;

  @ApiPropertyOptional({ enum: SANDBOX_STATUSES, description: 'sandbox only: the outcome to simulate' })
  @IsOptional()
  @IsIn(SANDBOX_STATUSES)
  sandbox_status?: string;
}

export class DaviplataMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['DAVIPLATA'] }) @Equals('DAVIPLATA') override type = 'DAVIPLATA' as const;

  @ApiProperty({ enum: DAVIPLATA_LEGAL_ID_TYPES, example: 'CC' })
  @IsIn(DAVIPLATA_LEGAL_ID_TYPES, {
    message: `user_legal_id_type must be one of ${DAVIPLATA_LEGAL_ID_TYPES.join(', ')}`,
  })
  user_legal_id_type: string;

  @ApiProperty({ example: '1999888777' })
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,20}$/, { message: 'user_legal_id must be 1–20 letters, digits or dashes' })
  user_legal_id: string;

  @ApiProperty({ maxLength: DESCRIPTION_MAX, example: 'Order 1234' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DESCRIPTION_MAX)
  payment_description: string;
}

export class PcolMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['PCOL'] }) @Equals('PCOL') override type = 'PCOL' as const;

  @ApiPropertyOptional({ enum: PCOL_SANDBOX_STATUSES, description: 'sandbox only: the outcome to simulate' })
  @IsOptional()
  @IsIn(PCOL_SANDBOX_STATUSES)
  sandbox_status?: string;
}

export class BancolombiaBnplMethodDto extends PaymentMethodDto {
  @ApiProperty({ enum: ['BANCOLOMBIA_BNPL'] }) @Equals('BANCOLOMBIA_BNPL') override type = 'BANCOLOMBIA_BNPL' as const;

  @ApiProperty({ description: "the buyer's first name(s)", maxLength: 100, example: 'Juana' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ description: "the buyer's last name(s)", maxLength: 100, example: 'Pérez' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  last_name: string;

  @ApiProperty({ enum: BNPL_LEGAL_ID_TYPES, example: 'CC' })
  @IsIn(BNPL_LEGAL_ID_TYPES, { message: `user_legal_id_type must be one of ${BNPL_LEGAL_ID_TYPES.join(', ')}` })
  user_legal_id_type: string;

  @ApiProperty({ example: '1999888777' })
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,20}$/, { message: 'user_legal_id must be 1–20 letters, digits or dashes' })
  user_legal_id: string;

  @ApiProperty({ description: '10-digit Colombian mobile number, without the country code', example: '3001234567' })
  @IsString()
  @Matches(/^3\d{9}$/, { message: 'phone_number must be a 10-digit Colombian mobile number (3XXXXXXXXX)' })
  phone_number: string;

  @ApiPropertyOptional({
    enum: BNPL_PHONE_CODES,
    default: '+57',
    description: 'country calling code; "+57" when absent',
  })
  @IsIn(BNPL_PHONE_CODES, { message: 'phone_code must be +57' })
  phone_code = '+57';

  @ApiProperty({ maxLength: DESCRIPTION_MAX, example: 'Order 1234' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DESCRIPTION_MAX)
  payment_description: string;

  @ApiPropertyOptional({
    description: "where Bancolombia sends the buyer back; the transaction's redirect_url when absent",
    example: 'https://shop.example.co/payments/return',
  })
  @IsOptional()
  @IsRedirectUrl()
  redirect_url?: string;

  @ApiPropertyOptional({ enum: SANDBOX_STATUSES, description: 'sandbox only: the outcome to simulate' })
  @IsOptional()
  @IsIn(SANDBOX_STATUSES)
  sandbox_status?: string;
}

/** The lowest `amount_in_cents` a method takes, when it has its own (BNPL: COP 100,000). */
export function minAmountFor(type: unknown): number | undefined {
  // own keys only: `type` is caller input ('constructor' would find Object's own constructor)
  return typeof type === 'string' && Object.hasOwn(METHOD_MIN_AMOUNT_IN_CENTS, type)
    ? METHOD_MIN_AMOUNT_IN_CENTS[type as WompiPaymentMethodType]
    : undefined;
}

export const PAYMENT_METHOD_SUBTYPES = [
  { value: CardMethodDto, name: 'CARD' },
  { value: NequiMethodDto, name: 'NEQUI' },
  { value: PseMethodDto, name: 'PSE' },
  { value: BancolombiaTransferMethodDto, name: 'BANCOLOMBIA_TRANSFER' },
  { value: BancolombiaQrMethodDto, name: 'BANCOLOMBIA_QR' },
  { value: BancolombiaCollectMethodDto, name: 'BANCOLOMBIA_COLLECT' },
  { value: DaviplataMethodDto, name: 'DAVIPLATA' },
  { value: PcolMethodDto, name: 'PCOL' },
  { value: BancolombiaBnplMethodDto, name: 'BANCOLOMBIA_BNPL' },
];
