import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Caller, CurrentCaller, OperatorRoute } from '../common/auth/api-key.guard';
import { ListOutboxQuery, OutboxEventView, OutboxIdParam, OutboxPage } from './dto/outbox.dto';
import { OutboxAdminService } from './outbox-admin.service';

@ApiTags('outbox')
@ApiBearerAuth('internal')
@OperatorRoute()
@Controller('v1/outbox')
export class OutboxController {
  constructor(private readonly admin: OutboxAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'List outbound domain events by status',
    description:
      'DEAD events were refused by the broker too often and hold back later events of their payment; PENDING ones wait for the relay; SENT ones were confirmed by RabbitMQ.',
  })
  @ApiOkResponse({ type: OutboxPage })
  list(@Query() q: ListOutboxQuery): Promise<OutboxPage> {
    return this.admin.list(q.status, q.limit ?? 50, q.cursor);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a DEAD event back in line',
    description:
      'DEAD → PENDING with attempts reset; the relay publishes it (same CloudEvent id) and then the events it held back.',
  })
  @ApiOkResponse({ type: OutboxEventView })
  @ApiBadRequestResponse({ description: 'id is not an outbox row id (digits, 1..2^63-1) (problem+json)' })
  @ApiNotFoundResponse({ description: 'no such outbox event (problem+json)' })
  @ApiConflictResponse({ description: 'the event is not DEAD (problem+json)' })
  retry(@Param() params: OutboxIdParam, @CurrentCaller() caller: Caller): Promise<OutboxEventView> {
    return this.admin.retry(params.id, caller.name);
  }
}
