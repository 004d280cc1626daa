import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, NotFound } from '../../common/errors/domain-error';
import { PaymentLinkEntity } from '../../payment-links/payment-link.entity';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { WompiTransaction } from '../../wompi/wompi.types';
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
    const payment =
      (await this.dataSource
        .getRepository(PaymentEntity)
        .findOne({ where: { wompiReference: tx.reference, caller } })) ?? (await this.claimLinkPayment(caller, tx));
    if (!payment) {
      this.logger.warn(
        { wompi_transaction_id: tx.id },
        "confirm for a Wompi transaction whose reference is not one of this caller's payments",
      );
      throw new NotFound('Transaction');
    }
    const result = await this.state.apply(tx, 'confirm', { paymentId: payment.id });
    if (result.outcome === 'mismatch') {
      throw new DomainError(
        'AMOUNT_MISMATCH',
        'Wompi reports this transaction with a different amount or currency than our payment; it was refused and recorded',
      );
    }
    return this.reader.get(caller, payment.id);
  }

  /**
   * A buyer back from paying one of the caller's payment links (its redirect carries `?id=`)
   * may arrive before Wompi's webhook: the payment is claimed for the link's owner now, the
   * same way the webhook would (PaymentClaims), so the owner can confirm it at once.
   */
  private async claimLinkPayment(caller: string, tx: WompiTransaction): Promise<PaymentEntity | null> {
    if (!tx.payment_link_id) return null;
    const link = await this.dataSource
      .getRepository(PaymentLinkEntity)
      .findOne({ where: { wompiPaymentLinkId: tx.payment_link_id, caller } });
    if (!link) return null;
    const claimed = await this.state.apply(tx, 'confirm');
    return claimed.payment?.caller === caller ? claimed.payment : null;
  }
}
