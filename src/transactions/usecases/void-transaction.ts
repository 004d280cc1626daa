import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { GatewayBusinessRejection, GatewayOutcomeUnknown } from '../../wompi/wompi.errors';
import { WompiTransaction } from '../../wompi/wompi.types';
import { PaymentStateService } from '../payment-state.service';
import { TransactionView } from '../transaction.view';
import { ReadTransactions } from './read-transactions';

/**
 * POST /v1/transactions/:id/void: APPROVED card payments only. Wompi answers the void while
 * the transaction is still APPROVED and turns it VOIDED shortly after (an event follows), so
 * the record comes back with the status as known now.
 */
@Injectable()
export class VoidTransaction {
  private readonly logger = new Logger('VoidTransaction');

  constructor(
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly reader: ReadTransactions,
  ) {}

  async execute(caller: string, id: string): Promise<TransactionView> {
    const payment = await this.reader.findOwned(caller, id);
    if (payment.status !== 'APPROVED') {
      throw new DomainError(
        'INVALID_STATE',
        `Only APPROVED payments can be voided; this one is ${payment.status}`,
        undefined,
        { reason: 'status', current_status: payment.status },
      );
    }
    if (payment.paymentMethodType !== 'CARD' || !payment.wompiTransactionId) {
      throw new DomainError(
        'INVALID_STATE',
        `Only CARD payments can be voided; this one was paid with ${payment.paymentMethodType ?? 'an unknown method'}`,
        undefined,
        {
          reason: 'payment_method',
          payment_method_type: payment.paymentMethodType,
        },
      );
    }
    const wompiId = payment.wompiTransactionId;
    let latest: WompiTransaction | undefined;
    try {
      latest = (await this.gateway.voidTransaction(wompiId)).transaction;
      this.logger.log({ payment_id: payment.id, wompi_transaction_id: wompiId }, 'void requested at Wompi');
    } catch (err) {
      // Not known whether Wompi voided it, or it refused because a void is already under way: look.
      if (!(err instanceof GatewayOutcomeUnknown) && !(err instanceof GatewayBusinessRejection)) throw err;
      const now = await this.gateway.getTransaction(wompiId);
      if (err instanceof GatewayBusinessRejection && now.status !== 'VOIDED') throw err;
      latest = now;
    }
    // the void answer carries the transaction as it was; fetch it as it is now
    const current = await this.gateway.getTransaction(wompiId).catch(() => latest!);
    await this.state.apply(current, 'api', { paymentId: payment.id });
    return this.reader.get(caller, payment.id);
  }
}
