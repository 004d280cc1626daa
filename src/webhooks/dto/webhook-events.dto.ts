import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { QueryInt } from '../../common/http/validators';
import { EnumFilter } from '../../common/http/enum-filter';

export const INBOX_STATUSES = ['RECEIVED', 'PROCESSED', 'IGNORED', 'FAILED', 'DEAD', 'UNCONFIRMED'] as const;
export const DEFAULT_EVENTS_PAGE = 50;
export const MAX_EVENTS_PAGE = 200;

export class ListWebhookEventsQuery {
  @EnumFilter(INBOX_STATUSES, { example: 'FAILED' })
  status?: (typeof INBOX_STATUSES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_EVENTS_PAGE, default: DEFAULT_EVENTS_PAGE, example: 50 })
  @IsOptional()
  @QueryInt(1, MAX_EVENTS_PAGE)
  limit?: number;

  @ApiPropertyOptional({
    description: 'next_cursor of the previous page (opaque)',
    example: 'eyJ0IjoiMjAyNi0wMy0wMVQxMjowMDowMC4xMjM0NTZaIiwiaSI6IjNmMmE5YzRlLTFiMmQtNGU1Zi05YTBiLTdjOGQ2ZTVmNGEzYiJ9',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class WebhookEventIdParam {
  @ApiProperty({ format: 'uuid', example: '3f2a9c4e-1b2d-4e5f-9a0b-7c8d6e5f4a3b', description: 'inbox event id' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

export class WebhookEventResponse {
  @ApiProperty({ format: 'uuid', example: '3f2a9c4e-1b2d-4e5f-9a0b-7c8d6e5f4a3b' }) id: string;
  @ApiProperty({
    description: 'dedupe key: redeliveries of one event share it',
    example: 'transaction.updated:15113-1755396264-52249:APPROVED',
  })
  event_key: string;
  @ApiProperty({ example: 'transaction.updated' }) event_type: string;
  @ApiProperty({ enum: INBOX_STATUSES, example: 'PROCESSED' }) status: string;
  @ApiProperty({ description: 'deliveries received for this event (Wompi retries, duplicates)', example: 1 })
  delivery_count: number;
  @ApiProperty({ description: 'processing attempts', example: 1 }) attempts: number;
  @ApiProperty({ nullable: true, example: null }) last_error: string | null;
  @ApiProperty({ example: '2026-03-01T12:00:02.123Z' }) received_at: string;
  @ApiProperty({ example: '2026-03-01T12:00:02.123Z' }) last_received_at: string;
  @ApiProperty({ nullable: true, example: '2026-03-01T12:00:02.130Z' }) enqueued_at: string | null;
  @ApiProperty({ nullable: true, example: '2026-03-01T12:00:02.410Z' }) processed_at: string | null;
}

export class WebhookEventPage {
  @ApiProperty({ type: [WebhookEventResponse] }) data: WebhookEventResponse[];
  @ApiProperty({
    nullable: true,
    description: 'pass as `cursor` for the next (older) page; null on the last page',
    example: null,
  })
  next_cursor: string | null;
}

export class ReplayResponse {
  @ApiProperty({ type: WebhookEventResponse }) event: WebhookEventResponse;
  @ApiProperty({ description: 'false: the queue was unreachable; the sweeper will enqueue it', example: true })
  enqueued: boolean;
}

export class WebhookAck {
  @ApiProperty({ example: true }) received: boolean;
}
