import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { IsStrictInstant, QueryInt } from '../../common/http/validators';
import { EnumFilter } from '../../common/http/enum-filter';
import { PAYMENT_STATUSES, PaymentStatus } from '../payment-status';
import { REFERENCE_PATTERN } from '../references';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export class TransactionIdParam {
  @ApiProperty({ format: 'uuid', example: '8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

export class ListTransactionsQuery {
  @ApiPropertyOptional({ example: 'order-1234' })
  @IsOptional()
  @Matches(REFERENCE_PATTERN, { message: 'reference must be 1–64 letters, digits, - or _' })
  reference?: string;

  @EnumFilter(PAYMENT_STATUSES, { example: 'APPROVED' })
  status?: PaymentStatus;

  @ApiPropertyOptional({ description: 'created at or after (ISO 8601)', example: '2026-03-01T00:00:00Z' })
  @IsOptional()
  @IsStrictInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'created before (ISO 8601)', example: '2026-04-01T00:00:00Z' })
  @IsOptional()
  @IsStrictInstant()
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, example: 20 })
  @IsOptional()
  @QueryInt(1, MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({
    description: 'next_cursor of the previous page (opaque)',
    example: 'eyJ0IjoiMjAyNi0wMy0wMVQxMjowMDowMC4xMjM0NTZaIiwiaSI6IjhhM2M1ZDBlLTZmMWItNGI4ZS05YTQ3LTNjMmQxZTBmOWI4YSJ9',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class ConfirmTransactionDto {
  @ApiProperty({
    description: 'The `id` query parameter Wompi appended to your redirect_url',
    example: '12345-1668624561-38705',
  })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'wompi_transaction_id must be a Wompi transaction id' })
  wompi_transaction_id: string;
}
