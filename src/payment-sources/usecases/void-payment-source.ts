import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { PaymentSourceView } from '../payment-source.view';
import { ReadPaymentSource } from './read-payment-source';

/**
 * POST /v1/payment-sources/:id/void → Wompi's `PUT /payment_sources/{id}/void`: the source can
 * never be charged again. Voiding a VOIDED source answers it as it is (nothing sent).
 */
@Injectable()
export class VoidPaymentSource {
  private readonly logger = new Logger('VoidPaymentSource');

  constructor(
    private readonly gateway: WompiGateway,
    private readonly reader: ReadPaymentSource,
  ) {}

  async execute(caller: string, id: string): Promise<PaymentSourceView> {
    const row = await this.reader.findOwned(caller, id);
    if (row.wompiPaymentSourceId === null) {
      throw new DomainError(
        'INVALID_STATE',
        `This payment source was never confirmed by Wompi (${row.status}); there is nothing to void`,
        undefined,
        {
          reason: 'status',
          current_status: row.status,
        },
      );
    }
    if (row.status === 'VOIDED') return this.reader.refresh(row);
    const source = await this.gateway.voidPaymentSource(row.wompiPaymentSourceId);
    this.logger.log(
      { payment_source_id: row.id, wompi_payment_source_id: row.wompiPaymentSourceId, status: source.status },
      'payment source voided at Wompi',
    );
    return this.reader.record(row, source);
  }
}
