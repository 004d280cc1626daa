import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { EnumFilter } from '../../common/http/enum-filter';
import { IsBigintId, QueryInt } from '../../common/http/validators';

export const OUTBOX_LIST_STATUSES = ['DEAD', 'PENDING', 'SENT'] as const;
export type OutboxListStatus = (typeof OUTBOX_LIST_STATUSES)[number];

export class ListOutboxQuery {
  @EnumFilter(OUTBOX_LIST_STATUSES, {
    required: true,
    example: 'DEAD',
    description: 'which rows: parked (DEAD), waiting (PENDING) or published (SENT)',
  })
  status: OutboxListStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, example: 50 })
  @IsOptional()
  @QueryInt(1, 200)
  limit?: number;

  @ApiPropertyOptional({ description: 'opaque: `next_cursor` of the previous page', example: 'MTIz' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'cursor must be a next_cursor returned by this endpoint' })
  cursor?: string;
}

export class OutboxIdParam {
  @ApiProperty({ example: '1042', description: 'outbox row id (digits, 1..9223372036854775807)' })
  @IsBigintId()
  id: string;
}

export class OutboxEventView {
  @ApiProperty({ example: '1042', description: 'outbox row id (publication order)' })
  id: string;

  @ApiProperty({
    example: '3b7d2c1e-9f4a-5c2b-8d1e-6a0f4b3c2d1e',
    description: 'the CloudEvent id (= AMQP message-id); stable across redeliveries',
  })
  event_id: string;

  @ApiProperty({ example: 'transaction.approved', description: 'event type, also the routing key' })
  type: string;

  @ApiProperty({
    example: '0f8fad5b-d9cb-469f-a165-70867728950e',
    description: 'our payment id (events of one payment are published in order)',
  })
  payment_id: string;

  @ApiProperty({ example: 'order-2024-000123', description: 'CloudEvent subject: the payment reference' })
  subject: string;

  @ApiProperty({ enum: OUTBOX_LIST_STATUSES, example: 'DEAD' })
  status: string;

  @ApiProperty({ example: 10, description: 'publish attempts so far' })
  attempts: number;

  @ApiProperty({ example: '2025-11-22T10:00:05.000Z', description: 'when the relay will try it next (PENDING)' })
  next_attempt_at: string;

  @ApiProperty({ example: 'Error: message nacked', nullable: true, type: String })
  last_error: string | null;

  @ApiProperty({ example: '2025-11-22T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ example: null, nullable: true, type: String })
  sent_at: string | null;
}

export class OutboxPage {
  @ApiProperty({ type: [OutboxEventView] })
  data: OutboxEventView[];

  @ApiProperty({
    example: 'MTA0Mg',
    nullable: true,
    type: String,
    description: 'pass as `cursor` for the next page; null on the last page',
  })
  next_cursor: string | null;
}
