import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { PaymentLinkEntity } from '../payment-link.entity';
import { PaymentLinkView } from '../payment-link.view';
import { ReadPaymentLinks } from './read-payment-links';

/**
 * PATCH /v1/payment-links/:id `{active:false}` → Wompi's `PATCH /payment_links/{id}`. The
 * deactivation time kept is the moment we asked (before the call): a payment Wompi took while
 * the request was in flight is flagged DEACTIVATED rather than passing unnoticed. Deactivating
 * an INACTIVE link answers it as it is (nothing sent).
 */
@Injectable()
export class DeactivatePaymentLink {
  private readonly logger = new Logger('DeactivatePaymentLink');

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly reader: ReadPaymentLinks,
  ) {}

  async execute(caller: string, id: string): Promise<PaymentLinkView> {
    const row = await this.reader.findOwned(caller, id);
    if (row.status === 'INACTIVE') return this.reader.view(row);
    if (row.wompiPaymentLinkId === null) {
      throw new DomainError(
        'INVALID_STATE',
        `This payment link was never confirmed by Wompi (${row.status}); there is nothing to deactivate`,
        undefined,
        { reason: 'status', current_status: row.status },
      );
    }
    const askedAt = new Date();
    await this.gateway.setPaymentLinkActive(row.wompiPaymentLinkId, false);
    await this.dataSource
      .createQueryBuilder()
      .update(PaymentLinkEntity)
      .set({ status: 'INACTIVE', deactivatedAt: () => 'coalesce(deactivated_at, :askedAt)' })
      .setParameter('askedAt', askedAt)
      .where('id = :id', { id: row.id })
      .execute();
    this.logger.log(
      { payment_link_id: row.id, wompi_payment_link_id: row.wompiPaymentLinkId },
      'payment link deactivated at Wompi',
    );
    return this.reader.get(caller, id);
  }
}
