import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../common/auth/api-key.guard';
import { Idempotent, IdempotencyKey } from '../common/idempotency/idempotent.decorator';
import { CreateTransactionDto } from './dto/create-transaction.dto';
import { ConfirmTransactionDto, ListTransactionsQuery, TransactionIdParam } from './dto/transaction-queries.dto';
import { ProblemResponse, TransactionListResponse, TransactionResponse } from './dto/transaction.response';
import { PARTIAL_VOID_REFUSAL, VoidTransactionDto } from './dto/void-transaction.dto';
import { TransactionView } from './transaction.view';
import { ConfirmTransaction } from './usecases/confirm-transaction';
import { CreateTransaction } from './usecases/create-transaction';
import { ReadTransactions, TransactionPage } from './usecases/read-transactions';
import { VoidTransaction } from './usecases/void-transaction';
import { ApiWompiErrors } from '../common/http/openapi';

const CARD_EXAMPLE = {
  payment_method: { type: 'CARD', token: 'tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E', installments: 1 },
  amount_in_cents: 2490000,
  currency: 'COP',
  customer_email: 'buyer@example.com',
  acceptance_token: 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NTA3fQ.c2lnbmF0dXJl',
  accept_personal_auth: 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NDc0fQ.c2lnbmF0dXJl',
  reference: 'order-1234',
  metadata: { order_id: 'ord_1234' },
};
const PSE_EXAMPLE = {
  ...CARD_EXAMPLE,
  reference: undefined,
  payment_method: {
    type: 'PSE',
    user_type: 0,
    user_legal_id_type: 'CC',
    user_legal_id: '1999888777',
    financial_institution_code: '1',
    payment_description: 'Order 1234',
  },
  customer_data: { full_name: 'Juana Pérez', phone_number: '573001234567' },
  redirect_url: 'https://shop.example.co/payments/return',
};
const VIEW_EXAMPLE: TransactionView = {
  id: '8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a',
  reference: 'order-1234',
  wompi_reference: 'order-1234-5f0c2a9be1d47c3a86f2e190',
  kind: 'TRANSACTION',
  payment_link_id: null,
  payment_link_flag: null,
  status: 'PENDING',
  status_message: null,
  amount_in_cents: 2490000,
  currency: 'COP',
  payment_method_type: 'PSE',
  wompi_transaction_id: '12345-1668624561-38705',
  async_payment_url: 'https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561',
  next_action: {
    async_payment_url: 'https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561',
  },
  customer_email: 'buyer@example.com',
  redirect_url: 'https://shop.example.co/payments/return',
  expiration_time: null,
  metadata: { order_id: 'ord_1234' },
  created_at: '2026-03-01T12:00:00.000Z',
  updated_at: '2026-03-01T12:00:00.450Z',
  finalized_at: null,
  retryable_until: null,
};
const problem = (status: number, code: string, detail: string, errors?: Record<string, string[]>) => ({
  type: `https://payments.internal/problems/${code.toLowerCase().replace(/_/g, '-')}`,
  title: code,
  status,
  detail,
  code,
  ...(errors ? { errors } : {}),
});

@ApiTags('transactions')
@ApiBearerAuth('internal')
@Controller('v1/transactions')
export class TransactionsController {
  constructor(
    private readonly create: CreateTransaction,
    private readonly reader: ReadTransactions,
    private readonly confirmer: ConfirmTransaction,
    private readonly voider: VoidTransaction,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create a payment with any Wompi method',
    description:
      'Records the payment, creates the Wompi transaction and answers with what the buyer needs next. Statuses arrive by webhook (or poll). When Wompi does not answer in time the payment is UNKNOWN and resolved by its reference — the create is never sent twice.',
  })
  @ApiBody({
    type: CreateTransactionDto,
    examples: {
      card: { summary: 'Card token', value: CARD_EXAMPLE },
      pse: { summary: 'PSE (reference derived from the Idempotency-Key)', value: PSE_EXAMPLE },
    },
  })
  @ApiCreatedResponse({
    type: TransactionResponse,
    description: 'Created (or the same request found its existing payment)',
    example: VIEW_EXAMPLE,
  })
  @ApiBadRequestResponse({ type: ProblemResponse, description: 'A field is invalid; `errors` names each dotted field' })
  @ApiConflictResponse({
    type: ProblemResponse,
    description:
      'REFERENCE_IN_USE: the reference belongs to another of your payments; or the Idempotency-Key is in flight',
  })
  @ApiUnprocessableEntityResponse({
    type: ProblemResponse,
    description:
      'GATEWAY_REJECTED: Wompi refused it (its field messages in `errors`, or its `reason`); nothing is kept. Or IDEMPOTENCY_KEY_MISMATCH.',
    example: problem(422, 'GATEWAY_REJECTED', 'Wompi rejected the request as invalid', {
      acceptance_token: ['El token de aceptación ya fue usado'],
    }),
  })
  @ApiServiceUnavailableResponse({
    type: ProblemResponse,
    description: 'Wompi unavailable (circuit open, rate limited): nothing was sent or kept; see Retry-After',
  })
  @ApiWompiErrors()
  createTransaction(
    @CurrentCaller() caller: Caller,
    @IdempotencyKey() key: string,
    @Body() body: CreateTransactionDto,
  ): Promise<TransactionView> {
    return this.create.execute(caller.name, key, body);
  }

  @Get()
  @ApiOperation({
    summary: 'List your payments, newest first',
    description: 'From our store. Cursor pagination: pass `next_cursor` as `cursor` until it is null.',
  })
  @ApiOkResponse({ type: TransactionListResponse, example: { data: [VIEW_EXAMPLE], next_cursor: null } })
  @ApiBadRequestResponse({
    type: ProblemResponse,
    description:
      'A query parameter is invalid (`reference`, `status`, `from`/`to`, `limit`, `cursor`) or unknown; `errors` names it',
  })
  list(@CurrentCaller() caller: Caller, @Query() query: ListTransactionsQuery): Promise<TransactionPage> {
    return this.reader.list(caller.name, query);
  }

  @Post('confirm')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Confirm a Wompi redirect',
    description:
      'Pass the `id` Wompi appended to your redirect_url. The transaction is fetched from Wompi and matched to your payment by reference; the id alone is never trusted.',
  })
  @ApiBody({
    type: ConfirmTransactionDto,
    examples: { redirect: { value: { wompi_transaction_id: '12345-1668624561-38705' } } },
  })
  @ApiOkResponse({
    type: TransactionResponse,
    example: { ...VIEW_EXAMPLE, status: 'APPROVED', finalized_at: '2026-03-01T12:01:10.000Z' },
  })
  @ApiNotFoundResponse({
    type: ProblemResponse,
    description: 'Unknown at Wompi, or its reference is not one of your payments',
  })
  @ApiConflictResponse({
    type: ProblemResponse,
    description: 'AMOUNT_MISMATCH: Wompi reports another amount or currency; refused, recorded and alerted',
  })
  @ApiBadRequestResponse({
    type: ProblemResponse,
    description:
      '`wompi_transaction_id` missing or not a Wompi transaction id, or another field sent; `errors` names it',
    example: problem(400, 'VALIDATION_FAILED', 'The request has invalid fields', {
      wompi_transaction_id: ['wompi_transaction_id must be a Wompi transaction id'],
    }),
  })
  @ApiServiceUnavailableResponse({
    type: ProblemResponse,
    description:
      'Wompi unavailable (circuit open, rate limited), or our database unreachable: nothing was confirmed; see Retry-After',
  })
  @ApiWompiErrors()
  confirm(@CurrentCaller() caller: Caller, @Body() body: ConfirmTransactionDto): Promise<TransactionView> {
    return this.confirmer.execute(caller.name, body.wompi_transaction_id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one of your payments, with its Wompi attempts' })
  @ApiOkResponse({
    type: TransactionResponse,
    example: {
      ...VIEW_EXAMPLE,
      attempts: [
        {
          wompi_transaction_id: '12345-1668624561-38705',
          status: 'PENDING',
          status_message: null,
          payment_method_type: 'PSE',
          created_at: '2026-03-01T12:00:00.000Z',
          finalized_at: null,
        },
      ],
    },
  })
  @ApiBadRequestResponse({ type: ProblemResponse, description: 'id is not a UUID' })
  @ApiNotFoundResponse({ type: ProblemResponse, description: 'No such payment for your API key' })
  get(@CurrentCaller() caller: Caller, @Param() params: TransactionIdParam): Promise<TransactionView> {
    return this.reader.get(caller.name, params.id);
  }

  @Post(':id/void')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Void an APPROVED card payment',
    description:
      "A full void: send no body or `{}`. `amount_in_cents` (a partial void) is refused with 400 — Wompi's partial void is unconfirmed — and so is any other field. Wompi answers while the transaction is still APPROVED; it becomes VOIDED shortly after (the record and a transaction.voided event follow).",
  })
  @ApiBody({
    type: VoidTransactionDto,
    required: false,
    examples: { full: { summary: 'Full void (the only kind)', value: {} } },
  })
  @ApiBadRequestResponse({
    type: ProblemResponse,
    description: 'A body field was sent (`amount_in_cents` or any other); `errors` names it',
    example: problem(400, 'VALIDATION_FAILED', 'The request has invalid fields', {
      amount_in_cents: [PARTIAL_VOID_REFUSAL],
    }),
  })
  @ApiOkResponse({
    type: TransactionResponse,
    example: {
      ...VIEW_EXAMPLE,
      status: 'APPROVED',
      payment_method_type: 'CARD',
      async_payment_url: null,
      next_action: null,
    },
  })
  @ApiNotFoundResponse({ type: ProblemResponse, description: 'No such payment for your API key' })
  @ApiConflictResponse({
    type: ProblemResponse,
    description: 'INVALID_STATE: not APPROVED, or not a card payment (`reason`: status | payment_method)',
    example: {
      ...problem(409, 'INVALID_STATE', 'Only APPROVED payments can be voided; this one is DECLINED'),
      reason: 'status',
      current_status: 'DECLINED',
    },
  })
  @ApiServiceUnavailableResponse({
    type: ProblemResponse,
    description: 'Wompi unavailable (circuit open, rate limited), or our database unreachable; see Retry-After',
  })
  @ApiWompiErrors()
  voidTransaction(
    @CurrentCaller() caller: Caller,
    @Param() params: TransactionIdParam,
    @Body() _body: VoidTransactionDto,
  ): Promise<TransactionView> {
    return this.voider.execute(caller.name, params.id);
  }
}
