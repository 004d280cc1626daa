import { BuyerConsentDto } from '../../acceptance/dto/buyer-consent.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsNotEmpty,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import { PAYMENT_SOURCE_TYPES, PaymentSourceType } from '../payment-source.entity';

const ENV = '(test|prod|stagtest)';
/**
 * What a token of each type looks like (docs/wompi.md#response-conventions-and-identifiers, #nequi-daviplata-and-bancolombia-tokens). Bancolombia transfer token
 * ids are not documented: anything id-like is let through and Wompi judges it.
 */
export const TOKEN_FORMATS: Record<PaymentSourceType, { pattern: RegExp; hint: string }> = {
  CARD: {
    pattern: new RegExp(`^tok_${ENV}_[A-Za-z0-9_]{1,120}$`),
    hint: 'a Wompi card token (tok_test_… or tok_prod_…)',
  },
  NEQUI: {
    pattern: new RegExp(`^nequi_${ENV}_[A-Za-z0-9_]{1,120}$`),
    hint: 'a Wompi Nequi token (nequi_test_… or nequi_prod_…)',
  },
  DAVIPLATA: {
    pattern: new RegExp(`^daviplata_${ENV}_[A-Za-z0-9_]{1,120}$`),
    hint: 'a Wompi Daviplata token (daviplata_test_… or daviplata_prod_…)',
  },
  BANCOLOMBIA_TRANSFER: {
    pattern: /^[A-Za-z0-9_-]{1,160}$/,
    hint: 'a Wompi Bancolombia transfer token id (letters, digits, - and _)',
  },
};
const DESCRIPTION_MAX = 64;

/**
 * The format of the declared `type`, own keys only: `type` is caller input, and a plain
 * index would find `__proto__`, `constructor` or `toString` on Object.prototype.
 */
function tokenFormatOf(dto: object): { pattern: RegExp; hint: string } | undefined {
  const type: unknown = (dto as { type?: unknown }).type;
  return typeof type === 'string' && Object.hasOwn(TOKEN_FORMATS, type)
    ? TOKEN_FORMATS[type as PaymentSourceType]
    : undefined;
}

/** `token` must have the shape of the declared `type` (no check when the type itself is wrong). */
function IsTokenOfType(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTokenOfType',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, a: ValidationArguments) => {
          const format = tokenFormatOf(a.object);
          return !format || (typeof value === 'string' && format.pattern.test(value));
        },
        defaultMessage: (a: ValidationArguments) => `token must be ${tokenFormatOf(a.object)?.hint ?? 'a Wompi token'}`,
      },
    });
}

export class CreatePaymentSourceDto extends BuyerConsentDto {
  @ApiProperty({ enum: PAYMENT_SOURCE_TYPES, example: 'CARD' })
  @IsIn(PAYMENT_SOURCE_TYPES, { message: `type must be one of ${PAYMENT_SOURCE_TYPES.join(', ')}` })
  type: PaymentSourceType;

  @ApiProperty({
    description:
      'The Wompi token the buyer produced in the browser: CARD `tok_…` (POST /tokens/cards), NEQUI `nequi_…` once APPROVED in the Nequi app, DAVIPLATA `daviplata_…` once its OTP is validated, BANCOLOMBIA_TRANSFER the approved token id',
    example: 'tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E',
  })
  @IsString({ message: 'token must be a string' })
  @IsTokenOfType()
  token: string;

  @ApiPropertyOptional({
    description: 'BANCOLOMBIA_TRANSFER only (required there): what the buyer sees at the bank',
    maxLength: DESCRIPTION_MAX,
    example: 'Suscripción mensual',
  })
  @ValidateIf((o: CreatePaymentSourceDto) => o.type === 'BANCOLOMBIA_TRANSFER' || o.payment_description !== undefined)
  @Matches(/^[^']*$/, { message: 'payment_description must not contain single quotes' })
  @IsString({ message: 'payment_description must be a string' })
  @IsNotEmpty({ message: 'payment_description is required for BANCOLOMBIA_TRANSFER' })
  @MaxLength(DESCRIPTION_MAX)
  @OnlyForBancolombia()
  payment_description?: string;
}

function OnlyForBancolombia(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'onlyForBancolombia',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (_: unknown, a: ValidationArguments) =>
          (a.object as CreatePaymentSourceDto).type === 'BANCOLOMBIA_TRANSFER' ||
          !PAYMENT_SOURCE_TYPES.includes((a.object as CreatePaymentSourceDto).type),
        defaultMessage: () => 'payment_description is only accepted with type BANCOLOMBIA_TRANSFER',
      },
    });
}

export class PaymentSourceIdParam {
  @ApiProperty({ format: 'uuid', description: "our id (not Wompi's)", example: '5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}
