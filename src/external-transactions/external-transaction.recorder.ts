import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Metrics } from '../metrics/metrics';
import { OutboxWriter } from '../messaging/outbox-writer';
import { PaymentStatus } from '../transactions/payment-status';
import { canAttemptTransition } from '../transactions/state-machine';
import { WompiTransaction } from '../wompi/wompi.types';
import { ExternalTransactionEntity } from './external-transaction.entity';
import { toExternalTransactionView } from './external-transaction.view';

export const EXTERNAL_EVENT_TYPE = 'transaction.external';

/**
 * Records a Wompi transaction whose reference this service never issued, inside the caller's
 * database transaction: one row per Wompi transaction (first seen, last status), and per status
 * one `transaction.external` event (so an owner service can claim it), one count of
 * `payments_external_transactions_total` and one warning. A report older than the recorded
 * status (PENDING after APPROVED) changes nothing.
 */
@Injectable()
export class ExternalTransactionRecorder {
  private readonly logger = new Logger('ExternalTransactions');

  constructor(
    private readonly outbox: OutboxWriter,
    private readonly metrics: Metrics,
  ) {}

  /** `paymentId`: the payment EXTERNAL_PAYMENTS_OWNER claimed it as, if any. Returns the outbox event ids written. */
  async record(m: EntityManager, tx: WompiTransaction, paymentId: string | null): Promise<string[]> {
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(ExternalTransactionEntity)
      .values({
        wompiTransactionId: tx.id,
        reference: String(tx.reference ?? '').slice(0, 255),
        amountInCents: Number(tx.amount_in_cents),
        currency: String(tx.currency ?? '').slice(0, 3),
        status: tx.status,
        paymentMethodType: tx.payment_method_type ? String(tx.payment_method_type).slice(0, 32) : null,
        wompiPaymentLinkId: tx.payment_link_id ? String(tx.payment_link_id).slice(0, 64) : null,
        paymentId,
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    const repo = m.getRepository(ExternalTransactionEntity);
    const row = await repo
      .createQueryBuilder('e')
      .setLock('pessimistic_write')
      .where('e.wompi_transaction_id = :id', { id: tx.id })
      .getOneOrFail();
    if (!inserted.raw?.length) {
      const claimedNow = paymentId !== null && row.paymentId !== paymentId;
      const moved = row.status !== tx.status && canAttemptTransition(row.status as PaymentStatus, tx.status);
      if (!moved && !claimedNow) return [];
      if (moved) {
        row.status = tx.status;
        row.lastStatusAt = new Date();
      }
      if (claimedNow) row.paymentId = paymentId;
      await repo.update(
        { id: row.id },
        { status: row.status, lastStatusAt: row.lastStatusAt, paymentId: row.paymentId },
      );
      if (!moved) return [];
    }
    this.metrics.externalTransactions.inc({ status: row.status });
    const eventId = await this.outbox.write(m, {
      type: EXTERNAL_EVENT_TYPE,
      // a claimed one is ordered with its payment's own events
      aggregateId: row.paymentId ?? row.id,
      subject: row.reference,
      dedupeKey: `external:${row.wompiTransactionId}:${row.status}`,
      data: toExternalTransactionView(row) as unknown as Record<string, unknown>,
    });
    this.logger.warn(
      {
        external_transaction_id: row.id,
        wompi_transaction_id: row.wompiTransactionId,
        status: row.status,
        amount_in_cents: row.amountInCents,
        payment_id: row.paymentId,
        event_id: eventId,
      },
      row.paymentId
        ? 'Wompi transaction with a reference we never issued; claimed by EXTERNAL_PAYMENTS_OWNER'
        : 'Wompi transaction with a reference we never issued; recorded as external, nobody fulfils it',
    );
    return [eventId];
  }
}
