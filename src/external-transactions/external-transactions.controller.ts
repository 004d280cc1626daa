import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { OperatorRoute } from '../common/auth/api-key.guard';
import {
  EXTERNAL_TRANSACTION_EXAMPLE,
  ExternalTransactionIdParam,
  ExternalTransactionPage,
  ExternalTransactionResponse,
  ListExternalTransactionsQuery,
} from './dto/external-transactions.dto';
import { ExternalTransactionView } from './external-transaction.view';
import { ReadExternalTransactions } from './read-external-transactions';

/** Operators: Wompi transactions with a reference this service never issued. */
@ApiTags('external-transactions')
@ApiBearerAuth('internal')
@OperatorRoute()
@Controller('v1/external-transactions')
export class ExternalTransactionsController {
  constructor(private readonly reader: ReadExternalTransactions) {}

  @Get()
  @ApiOperation({
    summary: 'List external transactions, newest first',
    description:
      'Wompi transactions whose reference this service never issued (dashboard charges, links made outside this service, a widget on another page). Each was announced as `transaction.external`; nothing is fulfilled for one nobody claimed (`payment_id` null).',
  })
  @ApiOkResponse({ type: ExternalTransactionPage })
  @ApiBadRequestResponse({ description: 'a query parameter is invalid (problem+json naming it)' })
  list(
    @Query() q: ListExternalTransactionsQuery,
  ): Promise<{ data: ExternalTransactionView[]; next_cursor: string | null }> {
    return this.reader.list(q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one external transaction' })
  @ApiOkResponse({ type: ExternalTransactionResponse, example: EXTERNAL_TRANSACTION_EXAMPLE })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: 'no external transaction has this id (problem+json)' })
  get(@Param() params: ExternalTransactionIdParam): Promise<ExternalTransactionView> {
    return this.reader.get(params.id);
  }
}
