import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { PaymentLinkEntity } from '../payment-links/payment-link.entity';
import { WompiTransaction } from '../wompi/wompi.types';
import { PaymentEntity, PaymentKind, PaymentLinkFlag } from './entities/payment.entity';
import { REFERENCE_PATTERN } from './references';

/**
 * Why a link payment needs a look, judged at the moment the buyer paid (Wompi's `created_at`),
 * not when the report reached us: a late webhook must not flag a payment made in time.
 */
export function linkPaymentFlag(
  link: Pick<PaymentLinkEntity, 'status' | 'deactivatedAt' | 'expiresAt'>,
  paidAt: Date,
): PaymentLinkFlag | null {
  if (link.deactivatedAt ? paidAt.getTime() >= new Date(link.deactivatedAt).getTime() : link.status === 'INACTIVE')
    return 'DEACTIVATED';
  if (link.expiresAt && paidAt.getTime() > new Date(link.expiresAt).getTime()) return 'EXPIRED';
  return null;
}

/**
 * Who owns a Wompi transaction that carries no reference of ours: the owner of one of our
 * payment links when it carries that link's id (kind PAYMENT_LINK), else EXTERNAL_PAYMENTS_OWNER
 * when configured (kind EXTERNAL), else nobody. An owned one becomes a payment — one per Wompi
 * transaction, its reference the one Wompi generated — and then flows through the same state
 * machine, fulfilment and events as any other. Runs inside the applying transaction; concurrent
 * reports of one transaction meet on the unique Wompi reference and find the same row.
 */
@Injectable()
export class PaymentClaims {
  private readonly logger = new Logger('PaymentClaims');

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** The claimed payment, locked; null when nobody owns the transaction (or it cannot be a payment here). */
  async claim(m: EntityManager, tx: WompiTransaction): Promise<PaymentEntity | null> {
    // what a payment row can hold; anything else stays an external transaction only
    if (
      tx.currency !== 'COP' ||
      !Number.isInteger(tx.amount_in_cents) ||
      tx.amount_in_cents <= 0 ||
      !REFERENCE_PATTERN.test(String(tx.reference))
    )
      return null;
    const link = tx.payment_link_id
      ? await m.getRepository(PaymentLinkEntity).findOne({ where: { wompiPaymentLinkId: tx.payment_link_id } })
      : null;
    const owner = link?.caller ?? this.config.externalPaymentsOwner;
    if (!owner) return null;
    const kind: PaymentKind = link ? 'PAYMENT_LINK' : 'EXTERNAL';
    const paidAt = Number.isNaN(Date.parse(tx.created_at)) ? new Date() : new Date(tx.created_at);
    const flag = link ? linkPaymentFlag(link, paidAt) : null;
    const values = {
      reference: tx.reference,
      wompiReference: tx.reference,
      caller: owner,
      kind,
      status: 'PENDING' as const,
      amountInCents: tx.amount_in_cents,
      currency: 'COP',
      customerEmail: typeof tx.customer_email === 'string' ? tx.customer_email.slice(0, 320) : null,
      redirectUrl: tx.redirect_url ?? null,
      metadata: link?.metadata ?? {},
      paymentLinkId: link?.id ?? null,
      paymentLinkFlag: flag,
    };
    let claimed = await this.insertOrFind(m, values);
    // the owner already uses Wompi's reference as one of its own: keep Wompi's id instead
    if (!claimed.payment) claimed = await this.insertOrFind(m, { ...values, reference: `wompi-${tx.id}`.slice(0, 64) });
    const { payment, inserted } = claimed;
    if (!payment) return null;
    if (inserted) {
      if (link) this.metrics.linkPayments.inc({ flag: flag ?? 'none' });
      const log = {
        payment_id: payment.id,
        wompi_transaction_id: tx.id,
        payment_link_id: link?.id,
        caller: owner,
        kind,
        payment_link_flag: flag,
      };
      if (flag)
        this.logger.warn(
          log,
          `payment through ${flag === 'EXPIRED' ? 'an expired' : 'a deactivated'} payment link: recorded (the money moved) and flagged`,
        );
      else
        this.logger.log(
          log,
          link
            ? 'payment link paid: payment recorded for the link owner'
            : 'unknown-reference transaction claimed by EXTERNAL_PAYMENTS_OWNER',
        );
    }
    return payment;
  }

  /** `inserted`: this call made the row (a concurrent report of the same transaction finds it instead). */
  private async insertOrFind(
    m: EntityManager,
    values: Partial<PaymentEntity> & { wompiReference: string },
  ): Promise<{ payment: PaymentEntity | null; inserted: boolean }> {
    const res = await m
      .createQueryBuilder()
      .insert()
      .into(PaymentEntity)
      .values(values as QueryDeepPartialEntity<PaymentEntity>)
      .orIgnore()
      .returning(['id'])
      .execute();
    const payment = await m
      .getRepository(PaymentEntity)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where('p.wompi_reference = :ref', { ref: values.wompiReference })
      .getOne();
    return { payment, inserted: (res.raw?.length ?? 0) > 0 };
  }
}
