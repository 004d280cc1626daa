import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Equals,
  IsBoolean,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
} from 'class-validator';
import { QueryInt } from '../../common/http/validators';
import { EnumFilter } from '../../common/http/enum-filter';
import {
  isFutureInstant,
  MAX_AMOUNT_IN_CENTS,
  MetadataField,
  MIN_AMOUNT_IN_CENTS,
  RedirectUrlField,
  UTC_INSTANT,
} from '../../transactions/dto/payment-fields';

const IsFuture = (): PropertyDecorator => (target, propertyName) =>
  registerDecorator({
    name: 'isFutureInstant',
    target: target.constructor,
    propertyName: propertyName as string,
    validator: {
      validate: (v: unknown) => isFutureInstant(v),
      defaultMessage: () => `${String(propertyName)} must be in the future`,
    },
  });

/** Wompi's POST /payment_links fields (docs/wompi.md#payment-links) this service offers. */
export class CreatePaymentLinkDto {
  @ApiProperty({ maxLength: 255, example: 'Camiseta talla M' })
  @IsString({ message: 'name must be a string' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(255)
  name: string;

  @ApiProperty({ maxLength: 1024, example: 'Camiseta de algodón, talla M, envío incluido' })
  @IsString({ message: 'description must be a string' })
  @IsNotEmpty({ message: 'description must not be empty' })
  @MaxLength(1024)
  description: string;

  @ApiProperty({ description: 'true: the link can be paid once; false: reusable', example: true })
  @IsBoolean({ message: 'single_use must be a boolean' })
  single_use: boolean;

  @ApiPropertyOptional({ description: 'ask the payer for a shipping address', default: false, example: false })
  @IsOptional()
  @IsBoolean({ message: 'collect_shipping must be a boolean' })
  collect_shipping?: boolean;

  @ApiPropertyOptional({ enum: ['COP'], example: 'COP', default: 'COP' })
  @IsOptional()
  @Equals('COP', { message: 'currency must be COP' })
  currency?: 'COP';

  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    minimum: MIN_AMOUNT_IN_CENTS,
    maximum: MAX_AMOUNT_IN_CENTS,
    description: 'fixed amount in cents; absent or null = the payer chooses the amount',
    example: 5_000_000,
  })
  @ValidateIf((o: CreatePaymentLinkDto) => o.amount_in_cents !== undefined && o.amount_in_cents !== null)
  @IsInt({ message: 'amount_in_cents must be an integer number of cents' })
  @Min(MIN_AMOUNT_IN_CENTS, { message: `amount_in_cents must be at least ${MIN_AMOUNT_IN_CENTS} (COP 1,500)` })
  @Max(MAX_AMOUNT_IN_CENTS)
  amount_in_cents?: number | null;

  @ApiPropertyOptional({
    description:
      'after this instant (UTC) the link should not be paid; a payment made after it is still recorded, flagged EXPIRED',
    example: '2026-12-31T23:59:59.000Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expires_at must be an ISO 8601 instant' })
  @Matches(UTC_INSTANT, { message: 'expires_at must be in UTC, e.g. 2026-12-31T23:59:59.000Z' })
  @IsFuture()
  expires_at?: string;

  @RedirectUrlField({ description: 'where Wompi sends the payer after paying (with `?id=<wompi transaction id>`)' })
  redirect_url?: string;

  @ApiPropertyOptional({ maxLength: 36, example: 'CAM-M-001' })
  @IsOptional()
  @IsString({ message: 'sku must be a string' })
  @MaxLength(36, { message: 'sku must be at most 36 characters' })
  sku?: string;

  @MetadataField({ description: 'yours, copied into every payment made through the link (and its events)' })
  metadata?: Record<string, unknown>;
}

/** PATCH: only deactivation (Wompi's PATCH takes only `active`). */
export class UpdatePaymentLinkDto {
  @ApiProperty({
    enum: [false],
    description:
      'false deactivates the link: Wompi stops taking payments on it. A deactivated link is not reactivated here.',
    example: false,
  })
  @Equals(false, { message: 'active must be false (the only change offered: deactivation)' })
  active: boolean;
}

export class PaymentLinkIdParam {
  @ApiProperty({ format: 'uuid', description: "our id (not Wompi's)", example: '7d1e3c5b-2a4f-4e6b-9c8d-0f1a2b3c4d5e' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

/** the statuses a link is answered with (CREATING is internal: such a link is never listed) */
export const PAYMENT_LINK_STATUSES = ['ACTIVE', 'INACTIVE', 'UNKNOWN'] as const;

export class ListPaymentLinksQuery {
  @EnumFilter(PAYMENT_LINK_STATUSES, { example: 'ACTIVE' })
  status?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, example: 20 })
  @IsOptional()
  @QueryInt(1, 100)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
