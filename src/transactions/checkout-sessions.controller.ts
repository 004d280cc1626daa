import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOperation,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../common/auth/api-key.guard';
import { Idempotent, IdempotencyKey } from '../common/idempotency/idempotent.decorator';
import { CreateCheckoutSessionDto } from './dto/checkout-session.dto';
import { CheckoutSessionResponse } from './dto/checkout-session.response';
import { CreateCheckoutSession } from './usecases/create-checkout-session';

@ApiTags('checkout-sessions')
@ApiBearerAuth('internal')
@Controller('v1/checkout-sessions')
export class CheckoutSessionsController {
  constructor(private readonly createSession: CreateCheckoutSession) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Web Checkout / Widget parameters with the server-side integrity signature',
    description:
      "Records the payment (kind CHECKOUT, PENDING) so the webhook of the buyer's payment finds it, and returns the Web Checkout URL and the Widget attributes with amount, reference and signature fixed here. Hand `checkout_url` (or `widget`) to the frontend; confirm the outcome with GET /v1/transactions/:id or the events, never from the redirect alone.",
  })
  @ApiCreatedResponse({ type: CheckoutSessionResponse })
  @ApiBadRequestResponse({
    description: 'Invalid fields, missing Idempotency-Key, or card data in the body (problem+json naming each field)',
  })
  @ApiResponse({
    status: 409,
    description: 'The reference is used by another payment, or a request with this Idempotency-Key is still in flight',
  })
  @ApiServiceUnavailableResponse({
    description:
      'Our database is unreachable (problem+json, DEPENDENCY_UNAVAILABLE): nothing was recorded; see Retry-After',
  })
  create(
    @Body() body: CreateCheckoutSessionDto,
    @CurrentCaller() caller: Caller,
    @IdempotencyKey() key: string,
  ): Promise<CheckoutSessionResponse> {
    return this.createSession.execute({ caller: caller.name, idempotencyKey: key, input: body });
  }
}
