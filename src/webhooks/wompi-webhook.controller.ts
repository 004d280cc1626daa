import { Controller, Headers, HttpCode, Post, Req, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { PublicRoute } from '../common/auth/api-key.guard';
import { RATE_LIMIT_HEADERS } from '../common/http/openapi';
import { UnverifiedDeliveryThrottle } from '../common/rate-limit/webhook-throttle';
import type { RawBodyRequest } from '../app.factory';
import { WebhookAck } from './dto/webhook-events.dto';
import { WebhookIngestService } from './webhook-ingest.service';

const EXAMPLE_EVENT = {
  event: 'transaction.updated',
  data: {
    transaction: {
      id: '15113-1755396264-52249',
      amount_in_cents: 2490000,
      reference: 'order-1234',
      customer_email: 'buyer@example.com',
      currency: 'COP',
      payment_method_type: 'CARD',
      status: 'APPROVED',
      status_message: null,
    },
  },
  sent_at: '2026-03-01T12:00:02.000Z',
  timestamp: 1772366402,
  signature: {
    checksum: '3476dda50f64cd7cbd160689640506febea93239bc524fc0469b2c68a3cc8bd0',
    properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'],
  },
  environment: 'test',
};

/** Wompi's event ingress. Thin: everything is in WebhookIngestService. */
@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WompiWebhookController {
  constructor(private readonly ingest: WebhookIngestService) {}

  @Post('wompi')
  @PublicRoute()
  @UseInterceptors(UnverifiedDeliveryThrottle)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Wompi event ingress',
    description:
      'Verifies the checksum (every secret in WOMPI_EVENTS_SECRET), checks the environment, stores the event in the inbox (redeliveries collapse on one row) and enqueues it; answers 200 for new events, duplicates and unknown event types alike. Never rejects on age (Wompi retries for 24 h); only timestamps over an hour ahead are refused. Body limit 256 KiB.',
  })
  @ApiHeader({ name: 'X-Event-Checksum', required: false, description: 'the checksum, when the body carries none' })
  @ApiBody({ schema: { type: 'object', example: EXAMPLE_EVENT } })
  @ApiOkResponse({ type: WebhookAck, description: 'stored durably (or already stored)' })
  @ApiBadRequestResponse({
    description: 'malformed JSON or a missing/invalid envelope field (problem+json naming the field)',
  })
  @ApiUnauthorizedResponse({
    description:
      'checksum does not verify, wrong environment, or timestamp far in the future (problem+json with `reason`)',
  })
  @ApiPayloadTooLargeResponse({ description: 'body over 256 KiB' })
  @ApiTooManyRequestsResponse({
    description:
      'this address sent more than RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN deliveries that failed verification in a minute (RATE_LIMITED, with Retry-After); a delivery that verifies is never throttled',
    headers: RATE_LIMIT_HEADERS,
  })
  @ApiServiceUnavailableResponse({ description: 'the inbox (Postgres) is unreachable; Wompi retries' })
  async receive(
    @Req() req: RawBodyRequest,
    @Headers('x-event-checksum') headerChecksum: string | undefined,
  ): Promise<WebhookAck> {
    await this.ingest.ingest({ rawBody: req.rawBody, body: req.body as unknown, headerChecksum, headers: req.headers });
    return { received: true };
  }
}
