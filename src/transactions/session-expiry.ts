import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { PaymentEntity } from './entities/payment.entity';
import { PaymentStateService } from './payment-state.service';

export const SESSION_EXPIRY_BATCH = 50;
/** a claimed session is not claimed again for this long (its Wompi search failed, or another worker has it) */
const SESSION_CLAIM_S = 60;

/**
 * Checkout sessions nobody paid, past their `expiration_time` (or created_at +
 * CHECKOUT_SESSION_DEFAULT_TTL_S without one), claimed like the stale poller claims: SKIP LOCKED
 * and a `next_poll_at` stamp, in one short statement.
 */
const CLAIM_SQL = `
  with due as (
    select id from payments
     where kind = 'CHECKOUT' and status = 'PENDING' and wompi_transaction_id is null
       and coalesce(expiration_time, created_at + make_interval(secs => $1::float8)) <= $2::timestamptz
       and coalesce(next_poll_at, '-infinity') <= $2::timestamptz
     order by created_at
     limit $3
     for update skip locked)
  update payments p set next_poll_at = $2::timestamptz + make_interval(secs => $4::float8), poll_attempts = p.poll_attempts + 1
    from due where p.id = due.id
  returning p.id, p.wompi_reference`;

/**
 * Ends checkout sessions that never got a transaction: EXPIRED with one
 * `checkout_session.expired`. Wompi is asked first (by reference, no transaction open): a
 * transaction whose webhook was lost is applied instead, and the session lives on.
 */
@Injectable()
export class CheckoutSessionExpiry {
  private readonly logger = new Logger('SessionExpiry');
  private readonly ttlS: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    config: AppConfig,
  ) {
    this.ttlS = config.horizons.checkoutSessionTtlS;
  }

  /** One bounded round; returns how many sessions it expired. */
  async expireDue(now = new Date()): Promise<number> {
    const result: unknown = await this.dataSource.query(CLAIM_SQL, [
      this.ttlS,
      now,
      SESSION_EXPIRY_BATCH,
      SESSION_CLAIM_S,
    ]);
    // an UPDATE … FROM answers with [rows, count]
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as {
      id: string;
      wompi_reference: string;
    }[];
    let expired = 0;
    for (const row of rows) {
      try {
        if (await this.expireOne(row.id, row.wompi_reference)) expired++;
      } catch (err) {
        this.logger.warn(
          { payment_id: row.id, error: (err as Error)?.message },
          'expiring a checkout session failed; retried later',
        );
      }
    }
    return expired;
  }

  private async expireOne(paymentId: string, wompiReference: string): Promise<boolean> {
    const found = await this.gateway.findTransactionsByReference(wompiReference);
    if (found.length) {
      for (const tx of found) await this.state.apply(tx, 'poll', { paymentId });
      this.logger.warn(
        { payment_id: paymentId, wompi_transaction_ids: found.map((t) => t.id) },
        'a checkout session due to expire has Wompi transactions (webhook lost?): applied, not expired',
      );
      return false;
    }
    const ids = await this.dataSource.transaction(async (m) => {
      const payment = await m
        .getRepository(PaymentEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :id', { id: paymentId })
        .getOne();
      if (!payment || payment.status !== 'PENDING' || payment.wompiTransactionId) return [];
      if (await m.getRepository(PaymentAttemptEntity).exists({ where: { paymentId } })) return [];
      const expiration = payment.expirationTime ? new Date(payment.expirationTime).toISOString() : null;
      const message = expiration
        ? `checkout session expired at ${expiration} without a payment`
        : `checkout session unpaid ${this.ttlS} s after creation (CHECKOUT_SESSION_DEFAULT_TTL_S): expired`;
      return this.state.recordExpiry(m, payment, 'poll', message, {
        expiration_time: expiration,
        default_ttl_s: expiration ? null : this.ttlS,
      });
    });
    if (ids.length)
      this.logger.log(
        { payment_id: paymentId },
        'checkout session expired without a payment (checkout_session.expired)',
      );
    return ids.length > 0;
  }
}
