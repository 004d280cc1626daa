import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../common/auth/api-key.guard';
import { Idempotent, IdempotencyKey } from '../common/idempotency/idempotent.decorator';
import { ProblemResponse } from '../transactions/dto/transaction.response';
import { CreatePaymentSourceDto, PaymentSourceIdParam } from './dto/create-payment-source.dto';
import { PAYMENT_SOURCE_EXAMPLE, PaymentSourceResponse } from './dto/payment-source.response';
import { VoidPaymentSourceDto } from './dto/void-payment-source.dto';
import { PaymentSourceView } from './payment-source.view';
import { CreatePaymentSource } from './usecases/create-payment-source';
import { ReadPaymentSource } from './usecases/read-payment-source';
import { VoidPaymentSource } from './usecases/void-payment-source';
import { ApiWompiErrors } from '../common/http/openapi';

const TOKENS = {
  customer_email: 'buyer@example.com',
  acceptance_token: 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NTA3fQ.c2lnbmF0dXJl',
  accept_personal_auth: 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NDc0fQ.c2lnbmF0dXJl',
};
const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) => ({
  type: `https://payments.internal/problems/${code.toLowerCase().replace(/_/g, '-')}`,
  title: code,
  status,
  detail,
  code,
  ...extra,
});

@ApiTags('payment-sources')
@ApiBearerAuth('internal')
@Controller('v1/payment-sources')
export class PaymentSourcesController {
  constructor(
    private readonly creator: CreatePaymentSource,
    private readonly reader: ReadPaymentSource,
    private readonly voider: VoidPaymentSource,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: "Save a buyer's card, Nequi, Daviplata or Bancolombia account as a Wompi payment source",
    description:
      "Wompi's POST /payment_sources needs the private key, which only this service holds. The buyer's acceptance of both policies is recorded as consent evidence. The source belongs to your API key: only you can read, void or charge it (POST /v1/transactions with `payment_source_id` = `wompi_payment_source_id`).",
  })
  @ApiBody({
    type: CreatePaymentSourceDto,
    examples: {
      card: {
        summary: 'Card token',
        value: { type: 'CARD', token: 'tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E', ...TOKENS },
      },
      nequi: {
        summary: 'Nequi token the buyer approved in the app',
        value: { type: 'NEQUI', token: 'nequi_test_Hs1kQ0Lw2YtA9zXc3VbN7mR4pE6uJ8dF', ...TOKENS },
      },
      bancolombia: {
        summary: 'Bancolombia transfer (payment_description required)',
        value: {
          type: 'BANCOLOMBIA_TRANSFER',
          token: 'b7d1e3c5-2a4f-4e6b-9c8d-0f1a2b3c4d5e',
          payment_description: 'Suscripción mensual',
          ...TOKENS,
        },
      },
    },
  })
  @ApiCreatedResponse({ type: PaymentSourceResponse, example: PAYMENT_SOURCE_EXAMPLE })
  @ApiBadRequestResponse({
    type: ProblemResponse,
    description: 'A field is invalid; `errors` names each one (e.g. `token` that does not match `type`)',
  })
  @ApiUnprocessableEntityResponse({
    type: ProblemResponse,
    description:
      'GATEWAY_REJECTED: Wompi refused it (e.g. a Nequi token the buyer did not approve); nothing is kept. Or IDEMPOTENCY_KEY_MISMATCH.',
    example: problem(422, 'GATEWAY_REJECTED', 'Wompi rejected the request: La fuente de pago ha sido declinada', {
      reason: 'La fuente de pago ha sido declinada',
    }),
  })
  @ApiServiceUnavailableResponse({
    type: ProblemResponse,
    description: 'Wompi unavailable (circuit open, rate limited): nothing was sent or kept; see Retry-After',
  })
  @ApiGatewayTimeoutResponse({
    type: ProblemResponse,
    description:
      "Wompi's answer was lost: the source is kept as UNKNOWN (`payment_source_id`) and never re-posted under this key; create again with a new key and fresh acceptance tokens. Wompi may hold it: charging its Wompi id (POST /v1/transactions) adopts it onto this row when Wompi's copy has the same token, type and customer email; until then it cannot be charged",
    example: problem(504, 'GATEWAY_TIMEOUT', 'Wompi did not confirm this payment source …', {
      reason: 'outcome_unknown',
      payment_source_id: PAYMENT_SOURCE_EXAMPLE.id,
      current_status: 'UNKNOWN',
    }),
  })
  @ApiWompiErrors()
  create(
    @CurrentCaller() caller: Caller,
    @IdempotencyKey() key: string,
    @Body() body: CreatePaymentSourceDto,
  ): Promise<PaymentSourceView> {
    return this.creator.execute(caller.name, key, body);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Read one of your payment sources, as Wompi has it now',
    description: "Our record, with status and public_data fetched from Wompi's GET /payment_sources/{id}.",
  })
  @ApiOkResponse({ type: PaymentSourceResponse, example: PAYMENT_SOURCE_EXAMPLE })
  @ApiBadRequestResponse({ type: ProblemResponse, description: 'id is not a UUID' })
  @ApiNotFoundResponse({ type: ProblemResponse, description: 'No such payment source for your API key' })
  @ApiServiceUnavailableResponse({ type: ProblemResponse, description: 'Wompi unavailable; see Retry-After' })
  @ApiWompiErrors()
  get(@CurrentCaller() caller: Caller, @Param() params: PaymentSourceIdParam): Promise<PaymentSourceView> {
    return this.reader.get(caller.name, params.id);
  }

  @Post(':id/void')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Void one of your payment sources',
    description:
      "Wompi's PUT /payment_sources/{id}/void: the source can never be charged again. Body: none or `{}`. Voiding a VOIDED source answers it again.",
  })
  @ApiBody({
    type: VoidPaymentSourceDto,
    required: false,
    examples: { empty: { summary: 'No parameters', value: {} } },
  })
  @ApiOkResponse({ type: PaymentSourceResponse, example: { ...PAYMENT_SOURCE_EXAMPLE, status: 'VOIDED' } })
  @ApiBadRequestResponse({
    type: ProblemResponse,
    description: 'id is not a UUID, or the body has a field (none is accepted)',
  })
  @ApiNotFoundResponse({ type: ProblemResponse, description: 'No such payment source for your API key' })
  @ApiConflictResponse({
    type: ProblemResponse,
    description: 'INVALID_STATE: Wompi never confirmed it (UNKNOWN)',
    example: problem(
      409,
      'INVALID_STATE',
      'This payment source was never confirmed by Wompi (UNKNOWN); there is nothing to void',
      { reason: 'status', current_status: 'UNKNOWN' },
    ),
  })
  @ApiWompiErrors()
  voidSource(
    @CurrentCaller() caller: Caller,
    @Param() params: PaymentSourceIdParam,
    @Body() _body: VoidPaymentSourceDto,
  ): Promise<PaymentSourceView> {
    return this.voider.execute(caller.name, params.id);
  }
}
