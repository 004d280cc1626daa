import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, NotFound } from '../../common/errors/domain-error';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { PaymentEntity } from '../entities/payment.entity';
import { PaymentStateService } from '../payment-state.service';
import { TransactionView } from '../transaction.view';
import { ReadTransactions } from './read-transactions';

/**
 * POST /v1/transactions/confirm: the `?id=` of a Wompi redirect is only a hint. Fetch that
 * transaction from Wompi, find our payment by its reference (and the caller), refuse it when
 * amount or currency disagree, apply it through the state machine, return our record.
 */
@Injectable()
export class ConfirmTransaction {
  private readonly logger = new Logger('ConfirmTransaction');

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly reader: ReadTransactions,
  ) {}

  async execute(caller: string, wompiTransactionId: string): Promise<TransactionView> {
    const tx = await this.gateway.getTransaction(wompiTransactionId);
    const payment = await this.dataSource.getRepository(PaymentEntity).findOne({ where: { wompiReference: tx.reference, caller } });
    if (!payment) {
      this.logger.warn({ wompi_transaction_id: tx.id }, 'confirm for a Wompi transaction whose reference is not one of this caller\'s payments');
      throw new NotFound('Transaction');
    }
    const result = await this.state.apply(tx, 'confirm', { paymentId: payment.id });
    if (result.outcome === 'mismatch') {
      throw new DomainError('AMOUNT_MISMATCH', 'Wompi reports this transaction with a different amount or currency than our payment; it was refused and recorded');
    }
    return this.reader.get(caller, payment.id);
  }
}
