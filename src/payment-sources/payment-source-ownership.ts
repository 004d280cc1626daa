import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { PaymentSourceEntity } from './payment-source.entity';

/**
 * Who may charge a Wompi payment source (POST /v1/transactions with `payment_source_id`).
 * A source created through POST /v1/payment-sources belongs to its caller: anyone else gets
 * 404 (as if it did not exist), and a source voided here is 409. A source this service never
 * created (made at Wompi directly, before this API existed) has no owner on record and is
 * left to Wompi — the service cannot tell whose it is.
 */
@Injectable()
export class PaymentSourceOwnership {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns the source's type when this service created it (null: not on record, type unknown). */
  async assertChargeable(caller: string, wompiPaymentSourceId: number): Promise<string | null> {
    const row = await this.dataSource.getRepository(PaymentSourceEntity).findOne({ where: { wompiPaymentSourceId } });
    if (!row) return null;
    if (row.caller !== caller) {
      throw new DomainError('NOT_FOUND', 'Payment source not found for your API key', { payment_source_id: ['no payment source with this id belongs to your API key'] });
    }
    if (row.status === 'VOIDED') {
      throw new DomainError('INVALID_STATE', 'This payment source was voided and can no longer be charged', { payment_source_id: ['the payment source is VOIDED'] }, {
        reason: 'payment_source_status',
        payment_source_status: row.status,
      });
    }
    return row.type;
  }
}
