import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound, ValidationFailed } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { decodeCursor, encodeCursor } from '../../transactions/usecases/cursor';
import { ListPaymentLinksQuery } from '../dto/payment-link.dto';
import { PaymentLinkEntity } from '../payment-link.entity';
import { PaymentLinkView, toPaymentLinkView } from '../payment-link.view';

/** GET /v1/payment-links(/:id): from our store, scoped to the calling API key (another's is 404). */
@Injectable()
export class ReadPaymentLinks {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async findOwned(caller: string, id: string): Promise<PaymentLinkEntity> {
    const row = await this.dataSource.getRepository(PaymentLinkEntity).findOne({ where: { id, caller } });
    if (!row) throw new NotFound('Payment link');
    return row;
  }

  view(row: PaymentLinkEntity): PaymentLinkView {
    return toPaymentLinkView(row, this.config.wompi.checkoutUrl);
  }

  async get(caller: string, id: string): Promise<PaymentLinkView> {
    return this.view(await this.findOwned(caller, id));
  }

  /** Newest first; keyset pagination on (created_at, id). Links still CREATING are not listed. */
  async list(
    caller: string,
    q: ListPaymentLinksQuery,
  ): Promise<{ data: PaymentLinkView[]; next_cursor: string | null }> {
    const limit = q.limit ?? 20;
    const qb = this.dataSource
      .getRepository(PaymentLinkEntity)
      .createQueryBuilder('l')
      .addSelect(`to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_ts')
      .where('l.caller = :caller', { caller })
      .andWhere(`l.status <> 'CREATING'`);
    if (q.status) qb.andWhere('l.status = :status', { status: q.status });
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      if (!c) throw new ValidationFailed({ cursor: ['cursor is not a next_cursor this API returned'] });
      qb.andWhere('(l.created_at, l.id) < (:cts::timestamptz, :cid::uuid)', { cts: c.t, cid: c.i });
    }
    qb.orderBy('l.created_at', 'DESC')
      .addOrderBy('l.id', 'DESC')
      .limit(limit + 1);
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
    const page = entities.slice(0, limit);
    const last = page[page.length - 1];
    const next =
      entities.length > limit && last ? encodeCursor({ t: raw[page.length - 1].cursor_ts, i: last.id }) : null;
    return { data: page.map((r) => this.view(r)), next_cursor: next };
  }
}
