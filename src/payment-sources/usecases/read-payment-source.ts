import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound } from '../../common/errors/domain-error';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { WompiPaymentSource } from '../../wompi/wompi.types';
import { PaymentSourceEntity } from '../payment-source.entity';
import { PaymentSourceView, toPaymentSourceView } from '../payment-source.view';

/** GET /v1/payment-sources/:id: ours (scoped to the caller), refreshed from Wompi. */
@Injectable()
export class ReadPaymentSource {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
  ) {}

  async findOwned(caller: string, id: string): Promise<PaymentSourceEntity> {
    const row = await this.dataSource.getRepository(PaymentSourceEntity).findOne({ where: { id, caller } });
    if (!row) throw new NotFound('Payment source');
    return row;
  }

  async get(caller: string, id: string): Promise<PaymentSourceView> {
    return this.refresh(await this.findOwned(caller, id));
  }

  /** Wompi's source as it is now; its status is copied to our row when it moved. */
  async refresh(row: PaymentSourceEntity): Promise<PaymentSourceView> {
    if (row.wompiPaymentSourceId === null) return toPaymentSourceView(row, null);
    return this.record(row, await this.gateway.getPaymentSource(row.wompiPaymentSourceId));
  }

  async record(row: PaymentSourceEntity, source: WompiPaymentSource): Promise<PaymentSourceView> {
    if (source.status !== row.status) {
      await this.dataSource.getRepository(PaymentSourceEntity).update({ id: row.id }, { status: source.status });
      row.status = source.status;
    }
    return toPaymentSourceView(row, source.public_data);
  }
}
