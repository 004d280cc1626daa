/*
 * The fields a payment and a checkout session share, each with its one set of rules (and
 * messages), so the two bodies cannot drift apart. Swagger text stays per use.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Equals, IsInt, IsISO8601, IsObject, IsOptional, Matches, Max, Min, registerDecorator } from 'class-validator';
import { IsRedirectUrl, MaxJsonBytes } from '../../common/http/validators';
import { REFERENCE_PATTERN } from '../references';

/** Wompi's business minimum (COP 1,500) and the API maximum (docs/wompi.md#amounts-references-and-redirects). */
export const MIN_AMOUNT_IN_CENTS = 150_000;
export const MAX_AMOUNT_IN_CENTS = 1_000_000_000_000;
export const METADATA_MAX_BYTES = 8 * 1024;
/** expiration_time: an ISO 8601 instant in UTC (Z), as Wompi signs it */
export const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

type Doc = Pick<ApiPropertyOptions, 'description' | 'example'>;

export const AmountInCentsField = (doc: Doc, ...more: PropertyDecorator[]) =>
  applyDecorators(
    ApiProperty({ minimum: MIN_AMOUNT_IN_CENTS, maximum: MAX_AMOUNT_IN_CENTS, example: 2_490_000, ...doc }),
    IsInt({ message: 'amount_in_cents must be an integer number of cents' }),
    Min(MIN_AMOUNT_IN_CENTS, { message: `amount_in_cents must be at least ${MIN_AMOUNT_IN_CENTS} (COP 1,500)` }),
    Max(MAX_AMOUNT_IN_CENTS),
    ...more,
  );

export const CurrencyCopField = () =>
  applyDecorators(ApiProperty({ enum: ['COP'], example: 'COP' }), Equals('COP', { message: 'currency must be COP' }));

export const ReferenceField = (doc: Doc) =>
  applyDecorators(
    ApiPropertyOptional({ pattern: REFERENCE_PATTERN.source, example: 'order-1234', ...doc }),
    IsOptional(),
    Matches(REFERENCE_PATTERN, { message: 'reference must be 1–64 letters, digits, - or _' }),
  );

export const RedirectUrlField = (doc: Doc) =>
  applyDecorators(
    ApiPropertyOptional({ example: 'https://shop.example.co/payments/return', ...doc }),
    IsOptional(),
    IsRedirectUrl(),
  );

/**
 * An instant after the moment the request is validated (no margin): Wompi refuses to pay a
 * signature whose expiration_time has passed, so a payment or checkout session that could
 * never be paid is refused here (400) and nothing is stored. Unparseable values are left to
 * the format checks.
 */
export function isFutureInstant(value: unknown, now: Date = new Date()): boolean {
  if (typeof value !== 'string') return true;
  const at = Date.parse(value);
  return Number.isNaN(at) || at > now.getTime();
}

const IsFutureInstant = (): PropertyDecorator => (target, propertyName) =>
  registerDecorator({
    name: 'isFutureInstant',
    target: target.constructor,
    propertyName: propertyName as string,
    validator: {
      validate: (v: unknown) => isFutureInstant(v),
      defaultMessage: () => `${String(propertyName)} must be in the future`,
    },
  });

export const ExpirationTimeField = (doc: Doc) =>
  applyDecorators(
    ApiPropertyOptional({ example: '2026-12-31T23:59:59.000Z', ...doc }),
    IsOptional(),
    IsISO8601({ strict: true }, { message: 'expiration_time must be an ISO 8601 instant' }),
    Matches(UTC_INSTANT, { message: 'expiration_time must be in UTC, e.g. 2026-12-31T23:59:59.000Z' }),
    IsFutureInstant(),
  );

export const MetadataField = (doc: Doc) =>
  applyDecorators(
    ApiPropertyOptional({ example: { order_id: 'A-1001' }, ...doc }),
    IsOptional(),
    IsObject({ message: 'metadata must be a JSON object' }),
    MaxJsonBytes(METADATA_MAX_BYTES),
  );
