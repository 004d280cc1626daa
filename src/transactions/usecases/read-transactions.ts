import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound, ValidationFailed } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { DEFAULT_PAGE_SIZE, ListTransactionsQuery } from '../dto/transaction-queries.dto';
import { PaymentAttemptEntity } from '../entities/payment-attempt.entity';
import { PaymentEntity } from '../entities/payment.entity';
import { PaymentStateService } from '../payment-state.service';
import { TransactionView, toTransactionView } from '../transaction.view';
import { AsyncPaymentUrlFetcher } from './async-payment-url';
import { decodeCursor, encodeCursor } from './cursor';

export interface TransactionPage {
  data: TransactionView[];
  next_cursor: string | null;
}

/**
 * Reads from our store, always scoped to the calling API key (another caller's payment is 404).
 * One exception: `get` of a PENDING PSE / Bancolombia transfer / PCOL payment still without
 * `async_payment_url` asks Wompi once (bounded, throttled per payment, skipped while the breaker
 * is open) and applies the answer like the poller, so the buyer can be redirected.
 */
@Injectable()
export class ReadTransactions {
  private readonly asyncUrl: AsyncPaymentUrlFetcher;

  constructor(
    private readonly dataSource: DataSource,
    gateway: WompiGateway,
    state: PaymentStateService,
    config: AppConfig,
  ) {
    this.asyncUrl = new AsyncPaymentUrlFetcher(gateway, state, config.asyncUrlWaitMs);
  }

  async findOwned(caller: string, id: string): Promise<PaymentEntity> {
    const payment = await this.dataSource.getRepository(PaymentEntity).findOne({ where: { id, caller } });
    if (!payment) throw new NotFound('Transaction');
    return payment;
  }

  async get(caller: string, id: string): Promise<TransactionView> {
    const payment = await this.findOwned(caller, id);
    const refreshed = await this.asyncUrl.refreshOnRead(payment);
    return this.viewWithAttempts(refreshed ? await this.findOwned(caller, id) : payment);
  }

  async viewWithAttempts(payment: PaymentEntity): Promise<TransactionView> {
    const attempts = await this.dataSource
      .getRepository(PaymentAttemptEntity)
      .find({ where: { paymentId: payment.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    return toTransactionView(payment, attempts);
  }

  /** Newest first; keyset pagination on (created_at, id) with an opaque cursor. */
  async list(caller: string, q: ListTransactionsQuery): Promise<TransactionPage> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource
      .getRepository(PaymentEntity)
      .createQueryBuilder('p')
      .addSelect(`to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_ts')
      .where('p.caller = :caller', { caller });
    if (q.reference) qb.andWhere('p.reference = :reference', { reference: q.reference });
    if (q.status) qb.andWhere('p.status = :status', { status: q.status });
    if (q.from) qb.andWhere('p.created_at >= :from', { from: new Date(q.from) });
    if (q.to) qb.andWhere('p.created_at < :to', { to: new Date(q.to) });
    if (q.from && q.to && new Date(q.from) > new Date(q.to))
      throw new ValidationFailed({ from: ['from must not be after to'] });
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      if (!c) throw new ValidationFailed({ cursor: ['cursor is not a next_cursor this API returned'] });
      qb.andWhere('(p.created_at, p.id) < (:cts::timestamptz, :cid::uuid)', { cts: c.t, cid: c.i });
    }
    qb.orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(limit + 1);
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
    const page = entities.slice(0, limit);
    const last = page[page.length - 1];
    const next =
      entities.length > limit && last ? encodeCursor({ t: raw[page.length - 1].cursor_ts, i: last.id }) : null;
    return { data: page.map((p) => toTransactionView(p)), next_cursor: next };
  }
}
