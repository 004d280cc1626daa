import { OperatorRoute } from '../common/auth/api-key.guard';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  DEFAULT_EVENTS_PAGE,
  ListWebhookEventsQuery,
  ReplayResponse,
  WebhookEventIdParam,
  WebhookEventPage,
} from './dto/webhook-events.dto';
import { WebhookEventsService } from './webhook-events.service';

/** Operators: inspect the inbox and replay an event (internal API key). */
@ApiTags('webhooks')
@ApiBearerAuth('internal')
@OperatorRoute()
@Controller('v1/webhooks/events')
export class WebhookEventsController {
  constructor(private readonly events: WebhookEventsService) {}

  @Get()
  @ApiOperation({
    summary: 'List inbox events, newest first',
    description: 'Without raw bodies or payloads. Page with `cursor` = the previous `next_cursor`.',
  })
  @ApiOkResponse({ type: WebhookEventPage })
  async list(@Query() q: ListWebhookEventsQuery): Promise<WebhookEventPage> {
    const page = await this.events.list({ status: q.status, limit: q.limit ?? DEFAULT_EVENTS_PAGE, cursor: q.cursor });
    return { data: page.rows, next_cursor: page.nextCursor };
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Replay one event',
    description:
      'Sets the row back to RECEIVED and enqueues it with a fresh job id; the processor applies it idempotently (a final state never regresses).',
  })
  @ApiAcceptedResponse({ type: ReplayResponse })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: 'no inbox event has this id' })
  async replay(@Param() params: WebhookEventIdParam): Promise<ReplayResponse> {
    return this.events.replay(params.id);
  }
}
