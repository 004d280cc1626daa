import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound, ValidationFailed } from '../common/errors/domain-error';
import { decodeCursor, encodeCursor } from '../transactions/usecases/cursor';
import { ListExternalTransactionsQuery } from './dto/external-transactions.dto';
import { ExternalTransactionEntity } from './external-transaction.entity';
import { ExternalTransactionView, toExternalTransactionView } from './external-transaction.view';

/** Operators' list of external transactions, newest first (keyset on first_seen_at, id). */
@Injectable()
export class ReadExternalTransactions {
  constructor(private readonly dataSource: DataSource) {}

  async get(id: string): Promise<ExternalTransactionView> {
    const row = await this.dataSource.getRepository(ExternalTransactionEntity).findOne({ where: { id } });
    if (!row) throw new NotFound('External transaction');
    return toExternalTransactionView(row);
  }

  async list(
    q: ListExternalTransactionsQuery,
  ): Promise<{ data: ExternalTransactionView[]; next_cursor: string | null }> {
    const limit = q.limit ?? 50;
    const qb = this.dataSource
      .getRepository(ExternalTransactionEntity)
      .createQueryBuilder('e')
      .addSelect(`to_char(e.first_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_ts');
    if (q.status) qb.andWhere('e.status = :status', { status: q.status });
    if (q.unclaimed === 'true') qb.andWhere('e.payment_id is null');
    if (q.unclaimed === 'false') qb.andWhere('e.payment_id is not null');
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      if (!c) throw new ValidationFailed({ cursor: ['cursor is not a next_cursor this API returned'] });
      qb.andWhere('(e.first_seen_at, e.id) < (:cts::timestamptz, :cid::uuid)', { cts: c.t, cid: c.i });
    }
    qb.orderBy('e.first_seen_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit + 1);
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
    const page = entities.slice(0, limit);
    const last = page[page.length - 1];
    const next =
      entities.length > limit && last ? encodeCursor({ t: raw[page.length - 1].cursor_ts, i: last.id }) : null;
    return { data: page.map(toExternalTransactionView), next_cursor: next };
  }
}
