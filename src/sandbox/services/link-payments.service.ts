import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { alnum, transactionId } from '../domain/ids';
import { MAX_AMOUNT_IN_CENTS, MIN_AMOUNT_IN_CENTS } from '../domain/test-data';
import { MSG, wompiErrors } from '../domain/wompi-error';
import { outcomeFor } from './payment-methods';
import { FinalStatus, TransactionRecord } from './sandbox-store';
import { transactionView } from './serializers';
import { TransactionsService } from './transactions.service';

type Obj = Record<string, unknown>;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Admin: a payer paying a payment link on Wompi's checkout page (`checkout.wompi.co/l/<id>`).
 * The transaction carries `payment_link_id` and a reference Wompi generates (docs/wompi.md#payment-links),
 * is PENDING at first and finalised as `status` after the card delay, with its event. The
 * link's state is not checked: a checkout page opened before the link expired or was
 * deactivated still completes, and that is what a service must be ready for.
 */
@Injectable()
export class LinkPaymentsService {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(TransactionsService) private readonly transactions: TransactionsService,
  ) {}

  pay(linkId: string, body: Obj): Obj {
    const link = this.rt.store.links.get(linkId);
    if (!link) throw wompiErrors.notFound();
    const status = body.status ?? 'APPROVED';
    if (!['APPROVED', 'DECLINED', 'ERROR'].includes(status as string))
      throw wompiErrors.field('status', 'Debe ser uno de estos: APPROVED, DECLINED, ERROR');
    const fixed = link.amount_in_cents as number | null;
    const amount = fixed ?? body.amount_in_cents;
    if (fixed === null && !Number.isInteger(amount)) throw wompiErrors.field('amount_in_cents', MSG.notPresent);
    if ((amount as number) < MIN_AMOUNT_IN_CENTS) throw wompiErrors.field('valid_amount_in_cents', MSG.minimumAmount);
    if ((amount as number) > MAX_AMOUNT_IN_CENTS)
      throw wompiErrors.field('amount_in_cents', `Debe ser menor o igual a ${MAX_AMOUNT_IN_CENTS}`);
    const email = body.customer_email ?? 'payer@example.com';
    if (typeof email !== 'string' || !EMAIL.test(email)) throw wompiErrors.field('customer_email', MSG.email);
    const now = new Date();
    const tx: TransactionRecord = {
      id: transactionId(this.rt.options.merchantId, now),
      createdAt: now,
      finalizedAt: null,
      amountInCents: amount as number,
      reference: `${linkId}_${Math.floor(now.getTime() / 1000)}_${alnum(8)}`,
      customerEmail: email,
      currency: 'COP',
      paymentMethodType: 'CARD',
      paymentMethod: {
        type: 'CARD',
        installments: 1,
        extra: {
          bin: '424242',
          name: 'VISA-4242',
          brand: 'VISA',
          last_four: '4242',
          is_three_ds: false,
          three_ds_auth_type: null,
        },
      },
      status: 'PENDING',
      statusMessage: null,
      billingData: null,
      shippingAddress: null,
      redirectUrl: typeof link.redirect_url === 'string' ? link.redirect_url : null,
      paymentSourceId: null,
      paymentLinkId: linkId,
      customerData: null,
      taxes: [],
      tipInCents: null,
    };
    this.transactions.startWith(tx, outcomeFor(status as FinalStatus));
    this.rt.log.log(`transaction ${tx.id} created by paying payment link ${linkId} (reference ${tx.reference})`);
    return { data: transactionView(tx), meta: {} };
  }
}
