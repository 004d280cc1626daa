import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { traceId, transactionId } from '../domain/ids';
import { integritySignature } from '../domain/signatures';
import { DAVIPLATA_OTP, MAX_AMOUNT_IN_CENTS, MIN_AMOUNT_IN_CENTS, STATUS_MESSAGES } from '../domain/test-data';
import { MSG, WompiError, wompiErrors } from '../domain/wompi-error';
import { AcceptanceService } from './acceptance.service';
import { buyerDataMessages } from './buyer-data';
import { daviplataOtp, OtpSubject } from './daviplata-otp';
import { Caller } from './auth.service';
import {
  cardExtra,
  cardOutcome,
  nequiOutcome,
  orderCardExtra,
  outcomeFor,
  prepareMethod,
  PreparedMethod,
} from './payment-methods';
import { FinalStatus, Outcome, TransactionRecord } from './sandbox-store';
import { transactionView, transactionWithMerchant } from './serializers';
import { WebhookService } from './webhook.service';

type Obj = Record<string, unknown>;
const txConflict = (status: string) =>
  new WompiError(409, { error: { type: 'CONFLICT', reason: `La transacción ya está en estado ${status}` } });

/** docs/wompi.md#sandbox-test-data: the Daviplata payment OTPs; any other code is an invalid OTP (retry). */
const DAVIPLATA_OUTCOMES: Record<string, Outcome> = {
  [DAVIPLATA_OTP.approved]: outcomeFor('APPROVED'),
  [DAVIPLATA_OTP.declined]: outcomeFor('DECLINED'),
  [DAVIPLATA_OTP.noFunds]: { status: 'DECLINED', statusMessage: STATUS_MESSAGES.noFunds },
  [DAVIPLATA_OTP.error]: outcomeFor('ERROR'),
};
/** the largest `page_size` the sandbox's listing takes (Wompi's own limit is undocumented) */
export const MAX_PAGE_SIZE = 500;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
@Injectable()
export class TransactionsService {
  private readonly pendingTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(AcceptanceService) private readonly acceptance: AcceptanceService,
    @Inject(WebhookService) private readonly webhooks: WebhookService,
  ) {}

  /** POST /transactions, validated in Wompi's order: acceptance → signature → expiration → amount → … → method → buyer data. */
  async create(body: Obj, caller: Caller, trace: { traceparent?: string; tracestate?: string } = {}): Promise<Obj> {
    if (body.payment_source_id !== undefined && body.payment_source_id !== null && caller !== 'private')
      throw wompiErrors.forbidden();
    await this.acceptance.checkAndConsume(body);
    this.checkSignature(body);
    this.checkExpiration(body);
    const amount = body.amount_in_cents;
    if (amount === undefined) throw wompiErrors.field('amount_in_cents', MSG.notPresent);
    if (!Number.isInteger(amount)) throw wompiErrors.field('amount_in_cents', MSG.notInteger);
    if ((amount as number) < MIN_AMOUNT_IN_CENTS) throw wompiErrors.field('valid_amount_in_cents', MSG.minimumAmount);
    if ((amount as number) > MAX_AMOUNT_IN_CENTS)
      throw wompiErrors.field('amount_in_cents', `Debe ser menor o igual a ${MAX_AMOUNT_IN_CENTS}`);
    if (body.currency === undefined) throw wompiErrors.field('currency', MSG.notPresent);
    if (body.currency !== 'COP') throw wompiErrors.field('currency', MSG.currency);
    if (body.customer_email === undefined || body.customer_email === '')
      throw wompiErrors.field('customer_email', MSG.notPresent);
    if (typeof body.customer_email !== 'string' || !EMAIL.test(body.customer_email))
      throw wompiErrors.field('customer_email', MSG.email);
    if (typeof body.reference !== 'string' || body.reference === '')
      throw wompiErrors.field('reference', MSG.notPresent);
    const reference = body.reference;
    if ([...this.rt.store.transactions.values()].some((t) => t.reference === reference))
      throw wompiErrors.field('reference', MSG.referenceUsed);

    const now = new Date();
    const id = transactionId(this.rt.options.merchantId, now);
    const method = this.resolveMethod(body, id, amount as number);
    const buyer = buyerDataMessages(body);
    if (buyer) throw wompiErrors.validation(buyer);
    const tx: TransactionRecord = {
      id,
      createdAt: now,
      finalizedAt: null,
      amountInCents: amount as number,
      reference,
      customerEmail: body.customer_email,
      currency: 'COP',
      paymentMethodType: method.type,
      paymentMethod: { type: method.type, extra: method.extra, ...method.echoed },
      status: 'PENDING',
      statusMessage: null,
      billingData: null,
      shippingAddress: body.shipping_address ?? null,
      redirectUrl: typeof body.redirect_url === 'string' ? body.redirect_url : null,
      paymentSourceId: typeof body.payment_source_id === 'number' ? body.payment_source_id : null,
      paymentLinkId: null,
      customerData: body.customer_data ?? null,
      taxes: Array.isArray(body.taxes) ? body.taxes : [],
      tipInCents: Number.isInteger(body.tip_in_cents) ? (body.tip_in_cents as number) : null,
      ...(method.otp ? { otp: method.otp } : {}),
      ...(trace.traceparent && TRACEPARENT.test(trace.traceparent)
        ? {
            trace: {
              traceparent: trace.traceparent,
              ...(trace.tracestate ? { tracestate: trace.tracestate.slice(0, 512) } : {}),
            },
          }
        : {}),
    };
    if (this.rt.faults.asyncUrlOnPoll && 'async_payment_url' in method.extra) {
      tx.deferredExtra = { async_payment_url: method.extra.async_payment_url };
      delete method.extra.async_payment_url;
    }
    let delay = method.delay === 'card' ? this.rt.options.cardDelayMs : this.rt.options.asyncDelayMs;
    if (method.type === 'CARD' && method.outcome?.status === 'APPROVED' && this.rt.faults.takeBuyerRetry()) {
      this.addDeclinedRetry(tx, now);
      delay += Math.max(this.rt.options.cardDelayMs, 50);
    }
    this.rt.store.transactions.set(tx.id, tx);
    // an abandoned PSE / wallet payment: the buyer never reached the bank, Wompi keeps it PENDING
    const abandoned = method.delay === 'async' && this.rt.faults.takeAbandon();
    if (method.outcome && !abandoned) this.scheduleOutcome(tx, method.outcome, delay);
    this.rt.log.log(`transaction ${tx.id} ${method.type} created (reference ${reference})`);
    return { data: transactionView(tx), meta: {} };
  }

  private checkSignature(body: Obj): void {
    const sig = body.signature;
    if (sig === undefined || sig === null || sig === '') throw wompiErrors.field('signature', MSG.signatureMissing);
    const exp = typeof body.expiration_time === 'string' ? body.expiration_time : undefined;
    const expected = integritySignature(
      String(body.reference ?? ''),
      String(body.amount_in_cents ?? ''),
      String(body.currency ?? ''),
      this.rt.keys.integritySecret,
      exp,
    );
    if (sig !== expected) throw wompiErrors.field('signature', MSG.signatureInvalid);
  }

  /**
   * A signed `expiration_time` that has passed: Wompi refuses the payment (docs/wompi.md#integrity-signature gives
   * no wording; 422 INPUT_VALIDATION_ERROR on the field, text the sandbox's own). Checked after
   * the signature, which covers it, so a tampered time is a bad signature first.
   */
  private checkExpiration(body: Obj): void {
    if (typeof body.expiration_time !== 'string') return;
    const at = Date.parse(body.expiration_time);
    if (Number.isNaN(at)) throw wompiErrors.field('expiration_time', MSG.badFormat);
    if (at <= Date.now()) throw wompiErrors.field('expiration_time', MSG.expired);
  }

  private resolveMethod(body: Obj, txId: string, amount: number): PreparedMethod {
    const sourceId = body.payment_source_id;
    if (sourceId !== undefined && sourceId !== null) {
      if (!Number.isInteger(sourceId)) throw wompiErrors.field('payment_source_id', MSG.notInteger);
      const source = this.rt.store.sources.get(sourceId as number);
      if (!source) throw wompiErrors.field('payment_source_id', 'La fuente de pago no existe');
      if (source.status !== 'AVAILABLE') throw wompiErrors.unprocessable('La fuente de pago no está disponible');
      if (source.type === 'CARD') {
        const token = this.rt.store.cardTokens.get(source.token)!;
        // docs/wompi.md#payment-sources: card sources take `payment_method: {installments}` (other sources may omit it)
        const pm = body.payment_method;
        if (pm === undefined || pm === null) throw wompiErrors.field('payment_method', MSG.notPresent);
        if (typeof pm !== 'object' || Array.isArray(pm)) throw wompiErrors.field('payment_method', MSG.notObject);
        const installments = (pm as Obj).installments;
        if (installments === undefined || installments === null)
          throw wompiErrors.methodFields({ installments: [MSG.notPresent] });
        if (!Number.isInteger(installments) || (installments as number) < 1 || (installments as number) > 36)
          throw wompiErrors.methodFields({ installments: [MSG.installments] });
        return {
          type: 'CARD',
          echoed: { installments },
          extra: cardExtra(token),
          outcome: cardOutcome(token.number),
          delay: 'card',
        };
      }
      if (source.type === 'DAVIPLATA') {
        // The subscription was authorised with the token's OTP: charges need no OTP and are approved.
        const echoed = {
          user_legal_id: source.publicData.number_document,
          user_legal_id_type: source.publicData.type_document,
        };
        return {
          type: 'DAVIPLATA',
          echoed,
          extra: { is_three_ds: false, three_ds_auth_type: null },
          outcome: outcomeFor('APPROVED'),
          delay: 'async',
        };
      }
      if (source.type === 'BANCOLOMBIA_TRANSFER') {
        const pm = {
          type: 'BANCOLOMBIA_TRANSFER',
          user_type: 'PERSON',
          payment_description: source.publicData.payment_description,
        };
        const prepared = prepareMethod(pm, {
          txId,
          origin: this.rt.origin,
          amountInCents: amount,
          cardToken: () => undefined,
        });
        // TOKEN: the account was enrolled, so the debit goes through; TRANSACTION: the payer
        // authorises each charge on async_payment_url, like a direct transfer.
        if (this.rt.store.bancolombiaTokens.get(source.token)?.typeAuth !== 'TRANSACTION') {
          delete prepared.extra.async_payment_url;
          prepared.outcome = outcomeFor('APPROVED');
        }
        return prepared;
      }
      const phone = String(source.publicData.phone_number);
      return {
        type: 'NEQUI',
        echoed: { phone_number: phone },
        extra: { is_three_ds: false, three_ds_auth_type: null },
        outcome: nequiOutcome(phone),
        delay: 'async',
      };
    }
    if (body.payment_method === undefined || body.payment_method === null)
      throw wompiErrors.unprocessable(MSG.noPaymentMethod);
    return prepareMethod(body.payment_method, {
      txId,
      origin: this.rt.origin,
      amountInCents: amount,
      cardToken: (id) => this.rt.store.cardTokens.get(id),
    });
  }

  /** Fault `buyer_retry`: the widget's "reintento" — a DECLINED attempt first, same reference. */
  private addDeclinedRetry(tx: TransactionRecord, now: Date): void {
    const earlier = new Date(now.getTime() - 1);
    const declined: TransactionRecord = {
      ...structuredClone(tx),
      id: transactionId(this.rt.options.merchantId, earlier),
      createdAt: earlier,
    };
    this.rt.store.transactions.set(declined.id, declined);
    const base = cardOutcome('0');
    this.scheduleOutcome(
      declined,
      { ...outcomeFor('DECLINED'), extra: { ...base.extra, processor_response_code: '51' } },
      this.rt.options.cardDelayMs,
    );
  }

  /** A transaction made elsewhere than POST /transactions (a link's checkout page): stored, finalised after the card delay. */
  startWith(tx: TransactionRecord, outcome: Outcome): void {
    this.rt.store.transactions.set(tx.id, tx);
    this.scheduleOutcome(tx, outcome, this.rt.options.cardDelayMs);
  }

  private scheduleOutcome(tx: TransactionRecord, outcome: Outcome, delayMs: number): void {
    const timer = this.rt.timers.schedule(() => {
      this.pendingTimers.delete(tx.id);
      this.finalize(tx, outcome);
    }, delayMs);
    this.pendingTimers.set(tx.id, timer);
  }

  finalize(tx: TransactionRecord, outcome: Outcome): void {
    if (tx.status !== 'PENDING' || this.rt.store.transactions.get(tx.id) !== tx) return;
    this.rt.timers.cancel(this.pendingTimers.get(tx.id));
    this.pendingTimers.delete(tx.id);
    tx.status = outcome.status;
    tx.statusMessage = outcome.statusMessage;
    tx.finalizedAt = new Date();
    const extra = { ...tx.paymentMethod.extra, ...tx.deferredExtra, ...(outcome.extra ?? {}) };
    tx.paymentMethod.extra = tx.paymentMethodType === 'CARD' ? orderCardExtra(extra) : extra;
    delete tx.deferredExtra;
    this.rt.log.log(`transaction ${tx.id} → ${tx.status}`);
    this.webhooks.emitTransaction(tx, tx.status !== 'APPROVED' || tx.paymentMethodType !== 'CARD');
  }

  get(id: string): Obj {
    const tx = this.rt.store.transactions.get(id);
    if (!tx) throw wompiErrors.notFound();
    if (tx.deferredExtra && Date.now() - tx.createdAt.getTime() > 0) {
      tx.paymentMethod.extra = { ...tx.paymentMethod.extra, ...tx.deferredExtra };
      delete tx.deferredExtra;
    }
    return { data: transactionWithMerchant(tx, this.rt.options.merchantId, this.rt.keys.publicKey), meta: {} };
  }

  /**
   * GET /transactions: by `reference`, or by date range with `page`/`page_size` (docs/wompi.md#reading-and-searching-transactions).
   * Dates are UTC calendar days, both inclusive; `meta` carries the paging (Wompi's own `meta`
   * is undocumented: page, page_size, total_results, total_pages here).
   */
  search(q: Record<string, string | undefined>): Obj {
    let list = [...this.rt.store.transactions.values()];
    let paging: { page: number; size: number } | undefined;
    if (q.reference !== undefined) list = list.filter((t) => t.reference === q.reference);
    else {
      const problems: Record<string, string[]> = {};
      for (const k of ['from_date', 'until_date', 'page', 'page_size']) if (!q[k]) problems[k] = [MSG.notPresent];
      for (const k of ['from_date', 'until_date'])
        if (q[k] && !/^\d{4}-\d{2}-\d{2}$/.test(q[k]!)) problems[k] = [MSG.badFormat];
      if (q.page && !/^[1-9]\d{0,5}$/.test(q.page)) problems.page = [MSG.notInteger];
      if (q.page_size && (!/^[1-9]\d{0,2}$/.test(q.page_size) || Number(q.page_size) > MAX_PAGE_SIZE))
        problems.page_size = [`Debe ser un entero entre 1 y ${MAX_PAGE_SIZE}`];
      const from = Date.parse(`${q.from_date}T00:00:00.000Z`);
      const until = Date.parse(`${q.until_date}T23:59:59.999Z`);
      if (q.from_date && !problems.from_date && Number.isNaN(from)) problems.from_date = [MSG.badFormat];
      if (q.until_date && !problems.until_date && Number.isNaN(until)) problems.until_date = [MSG.badFormat];
      if (Object.keys(problems).length) throw wompiErrors.validation(problems);
      list = list.filter((t) => t.createdAt.getTime() >= from && t.createdAt.getTime() <= until);
      paging = { page: Number(q.page), size: Number(q.page_size) };
    }
    if (q.id) list = list.filter((t) => t.id === q.id);
    if (q.status) list = list.filter((t) => t.status === q.status);
    if (q.payment_method_type) list = list.filter((t) => t.paymentMethodType === q.payment_method_type);
    if (q.customer_email) list = list.filter((t) => t.customerEmail === q.customer_email);
    const dir = (q.order ?? 'DESC').toUpperCase() === 'ASC' ? 1 : -1;
    // ties broken by id so that pages never overlap or skip
    list.sort((a, b) => dir * (a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)));
    if (!paging) return { data: list.map(transactionView), meta: {} };
    const total = list.length;
    const page = list.slice((paging.page - 1) * paging.size, paging.page * paging.size);
    return {
      data: page.map(transactionView),
      meta: {
        page: paging.page,
        page_size: paging.size,
        total_results: total,
        total_pages: Math.ceil(total / paging.size),
      },
    };
  }

  /**
   * Admin: the transaction changes at "Wompi" and no webhook tells anyone (what a lost or
   * never-sent event looks like to the merchant): status and/or amount, as given.
   */
  drift(id: string, body: Obj): Obj {
    const tx = this.rt.store.transactions.get(id);
    if (!tx) throw wompiErrors.notFound();
    const problems: Record<string, string[]> = {};
    if (body.status === undefined && body.amount_in_cents === undefined)
      problems.status = ['Envíe status, amount_in_cents o ambos'];
    if (
      body.status !== undefined &&
      !['PENDING', 'APPROVED', 'DECLINED', 'ERROR', 'VOIDED'].includes(body.status as string)
    )
      problems.status = ['Debe ser uno de estos: PENDING, APPROVED, DECLINED, ERROR, VOIDED'];
    if (
      body.amount_in_cents !== undefined &&
      (!Number.isInteger(body.amount_in_cents) || (body.amount_in_cents as number) < MIN_AMOUNT_IN_CENTS)
    )
      problems.amount_in_cents = [MSG.minimumAmount];
    if (Object.keys(problems).length) throw wompiErrors.validation(problems);
    // a pending outcome would otherwise overwrite the drift later (with its webhook)
    this.rt.timers.cancel(this.pendingTimers.get(tx.id));
    this.pendingTimers.delete(tx.id);
    if (body.status !== undefined) {
      tx.status = body.status as TransactionRecord['status'];
      tx.statusMessage = null;
      tx.finalizedAt = tx.status === 'PENDING' ? null : (tx.finalizedAt ?? new Date());
    }
    if (body.amount_in_cents !== undefined) tx.amountInCents = body.amount_in_cents as number;
    this.rt.log.log(`transaction ${tx.id} drifted silently to ${tx.status}, ${tx.amountInCents} cents`);
    return { data: transactionView(tx), meta: {} };
  }

  /** Void (docs/wompi.md#void): APPROVED cards only; answers APPROVED now, VOIDED + event follow. */
  void(id: string, body: Obj): Obj {
    const trace = traceId();
    const tx = this.rt.store.transactions.get(id);
    if (!tx) throw wompiErrors.notFound(trace);
    if (tx.paymentMethodType !== 'CARD' || tx.status !== 'APPROVED' || tx.voidRequested) {
      throw new WompiError(422, {
        error: { type: 'UNPROCESSABLE', reason: 'Solo se pueden anular transacciones con tarjeta en estado APPROVED' },
        meta: { trace_id: trace },
      });
    }
    if (body.amount_in_cents !== undefined && body.amount_in_cents !== tx.amountInCents) {
      const partial = wompiErrors.field('amount_in_cents', 'El sandbox solo admite anulaciones por el valor total');
      throw new WompiError(partial.status, { ...partial.body, meta: { trace_id: trace } });
    }
    tx.voidRequested = true;
    const view = transactionView(tx);
    this.rt.timers.schedule(() => {
      if (this.rt.store.transactions.get(tx.id) !== tx) return;
      tx.status = 'VOIDED';
      tx.statusMessage = null;
      this.webhooks.emitTransaction(tx, true);
    }, this.rt.options.cardDelayMs);
    return { data: { status: 'APPROVED', status_message: null, transaction: view }, meta: { trace_id: trace } };
  }

  /** Admin: the payer's choice on a sandbox page (Bancolombia transfer, QR, collect, PCOL, BNPL…). */
  decide(id: string, status: unknown): Obj {
    const tx = this.rt.store.transactions.get(id);
    if (!tx) throw wompiErrors.notFound();
    if (!['APPROVED', 'DECLINED', 'ERROR'].includes(status as string))
      throw wompiErrors.field('status', 'Debe ser uno de estos: APPROVED, DECLINED, ERROR');
    if (tx.status !== 'PENDING') throw txConflict(tx.status);
    this.finalize(tx, outcomeFor(status as FinalStatus));
    return { data: transactionView(tx), meta: {} };
  }

  /**
   * Admin: the Widget's "reintento" (docs/wompi.md#reading-and-searching-transactions, #uncertain-points-and-our-choices: one reference, several transactions)
   * — a new transaction with this one's reference, amount, buyer and method, PENDING, then
   * finalised as `status` after the card delay with its own event. POST /transactions refuses a
   * used reference; Wompi's own widget does not, and this is how a test makes it happen.
   */
  buyerRetry(id: string, status: unknown): Obj {
    const tx = this.rt.store.transactions.get(id);
    if (!tx) throw wompiErrors.notFound();
    if (!['APPROVED', 'DECLINED', 'ERROR'].includes(status as string))
      throw wompiErrors.field('status', 'Debe ser uno de estos: APPROVED, DECLINED, ERROR');
    const { otp: _otp, voidRequested: _void, deferredExtra: _deferred, ...rest } = tx;
    const now = new Date();
    const retry: TransactionRecord = {
      ...structuredClone(rest),
      id: transactionId(this.rt.options.merchantId, now),
      createdAt: now,
      finalizedAt: null,
      status: 'PENDING',
      statusMessage: null,
    };
    this.rt.store.transactions.set(retry.id, retry);
    this.scheduleOutcome(retry, outcomeFor(status as FinalStatus), this.rt.options.cardDelayMs);
    this.rt.log.log(`transaction ${retry.id} created as a buyer retry of ${tx.id} (reference ${tx.reference})`);
    return { data: transactionView(retry), meta: {} };
  }

  /** The Daviplata OTP service's `code_otp_send` for a payment (Bearer `extra.url_services.token`). */
  daviplataSendOtp(id: string, authorization: string | undefined): Obj {
    daviplataOtp.send(this.otpSubject(id), authorization);
    return { data: { id, otp_sent: true }, meta: {} };
  }

  /** `code_otp_validate` for a payment: the OTPs of docs/wompi.md#sandbox-test-data decide it; any other is retryable. */
  daviplataValidateOtp(id: string, authorization: string | undefined, otp: unknown): Obj {
    const code = daviplataOtp.validate(this.otpSubject(id), authorization, otp, Object.keys(DAVIPLATA_OUTCOMES));
    const tx = this.rt.store.transactions.get(id)!;
    this.finalize(tx, DAVIPLATA_OUTCOMES[code]);
    return { data: transactionView(tx), meta: {} };
  }

  private otpSubject(id: string): OtpSubject {
    const tx = this.rt.store.transactions.get(id);
    // only DAVIPLATA payments that wait for an OTP have a flow (payment-source charges do not)
    if (!tx?.otp) throw wompiErrors.notFound();
    return { otp: tx.otp, status: tx.status, conflict: () => txConflict(tx.status) };
  }

  clear(): void {
    this.pendingTimers.clear();
  }
}
