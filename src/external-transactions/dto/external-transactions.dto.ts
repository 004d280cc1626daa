import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { QueryInt } from '../../common/http/validators';
import { EnumFilter } from '../../common/http/enum-filter';
import { ExternalTransactionView } from '../external-transaction.view';

export const EXTERNAL_STATUSES = ['PENDING', 'APPROVED', 'DECLINED', 'VOIDED', 'ERROR'] as const;

export const EXTERNAL_TRANSACTION_EXAMPLE: ExternalTransactionView = {
  id: '2c9d6a1e-4b7f-4e0a-9c3d-5f1e2a3b4c5d',
  wompi_transaction_id: '15113-1755396264-52249',
  reference: 'test_VPOS_a1B2c3_1755396264_Xy7kLm2Q',
  amount_in_cents: 5000000,
  currency: 'COP',
  status: 'APPROVED',
  payment_method_type: 'CARD',
  wompi_payment_link_id: 'test_VPOS_a1B2c3',
  payment_id: null,
  first_seen_at: '2026-03-01T12:00:00.000Z',
  last_status_at: '2026-03-01T12:00:03.000Z',
};

export class ListExternalTransactionsQuery {
  @EnumFilter(EXTERNAL_STATUSES, { example: 'APPROVED', description: "Wompi's status as last reported" })
  status?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: only those nobody owns (no EXTERNAL_PAYMENTS_OWNER payment)',
    example: 'true',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'unclaimed must be true or false' })
  unclaimed?: 'true' | 'false';

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, example: 50 })
  @IsOptional()
  @QueryInt(1, 200)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class ExternalTransactionIdParam {
  @ApiProperty({ format: 'uuid', example: EXTERNAL_TRANSACTION_EXAMPLE.id })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

/** OpenAPI shape of ExternalTransactionView (external-transaction.view.ts is the source of truth). */
export class ExternalTransactionResponse {
  @ApiProperty({ format: 'uuid', example: EXTERNAL_TRANSACTION_EXAMPLE.id }) id: string;
  @ApiProperty({ example: EXTERNAL_TRANSACTION_EXAMPLE.wompi_transaction_id }) wompi_transaction_id: string;
  @ApiProperty({ description: "Wompi's reference (none of ours)", example: EXTERNAL_TRANSACTION_EXAMPLE.reference })
  reference: string;
  @ApiProperty({ example: 5000000 }) amount_in_cents: number;
  @ApiProperty({ example: 'COP' }) currency: string;
  @ApiProperty({ enum: EXTERNAL_STATUSES, description: "Wompi's status as last reported", example: 'APPROVED' })
  status: string;
  @ApiProperty({ nullable: true, type: String, example: 'CARD' }) payment_method_type: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'a Wompi payment link that is not one of ours (made in the dashboard)',
    example: EXTERNAL_TRANSACTION_EXAMPLE.wompi_payment_link_id,
  })
  wompi_payment_link_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'the payment EXTERNAL_PAYMENTS_OWNER claimed it as; null: nobody owns it and nothing is fulfilled',
    example: null,
  })
  payment_id: string | null;
  @ApiProperty({ example: EXTERNAL_TRANSACTION_EXAMPLE.first_seen_at }) first_seen_at: string;
  @ApiProperty({ example: EXTERNAL_TRANSACTION_EXAMPLE.last_status_at }) last_status_at: string;
}

export class ExternalTransactionPage {
  @ApiProperty({ type: [ExternalTransactionResponse] }) data: ExternalTransactionView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `cursor` for the next page; null on the last page',
  })
  next_cursor: string | null;
}
