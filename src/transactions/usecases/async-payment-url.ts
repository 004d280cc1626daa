import { Logger } from '@nestjs/common';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import { GatewayNotFound } from '../../wompi/wompi.errors';
import { WompiTransaction } from '../../wompi/wompi.types';
import { PaymentEntity } from '../entities/payment.entity';
import { PaymentStateService } from '../payment-state.service';
import { isFinal } from '../state-machine';

/**
 * Methods whose buyer must be sent to Wompi's `extra.async_payment_url` (docs/wompi.md#payment-methods). BNPL and
 * Daviplata carry `extra.url` instead (in `next_action`); QR and collect carry their own data.
 */
export const ASYNC_URL_METHODS: ReadonlySet<string> = new Set(['PSE', 'BANCOLOMBIA_TRANSFER', 'PCOL']);

/** Waits between the create's follow-up GETs (the last one repeats until the budget is spent). */
export const ASYNC_URL_BACKOFF_MS: readonly number[] = [250, 500, 1000];

/** One read refreshes a payment at most this often per process (many readers polling one payment). */
export const READ_REFRESH_EVERY_MS = 2000;
/** The read's single GET never holds the answer longer than this (nor than the configured budget). */
export const READ_REFRESH_MAX_MS = 1000;

/** A PENDING Wompi answer for a redirect method without the URL yet. */
export function answerLacksAsyncUrl(tx: WompiTransaction): boolean {
  return (
    !isFinal(tx.status) &&
    ASYNC_URL_METHODS.has(tx.payment_method_type) &&
    typeof tx.payment_method?.extra?.async_payment_url !== 'string'
  );
}

/** Our PENDING record of a redirect method, known at Wompi, still without the URL (a checkout session's buyer is already on Wompi's page). */
export function recordLacksAsyncUrl(p: PaymentEntity): boolean {
  return (
    p.kind === 'TRANSACTION' &&
    p.status === 'PENDING' &&
    !!p.wompiTransactionId &&
    ASYNC_URL_METHODS.has(p.paymentMethodType ?? '') &&
    typeof p.nextAction?.async_payment_url !== 'string'
  );
}

const TIMED_OUT = Symbol('timed out');

/** The promise's value, or TIMED_OUT after `ms` (the call goes on; its late result is dropped, its error swallowed). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  promise.catch(() => undefined);
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Real Wompi may answer a PSE / Bancolombia transfer / PCOL create without
 * `async_payment_url`: it shows up on a later GET (docs/wompi.md#payment-methods). This fetches the transaction
 * from Wompi, bounded, and applies what it says through `PaymentStateService` (history source
 * `poll`), like the poller. Never throws: a failed or slow GET leaves the record as it was
 * (the stale-payment poller stays the backstop). No database transaction is open while a GET
 * is in flight (each apply is its own short transaction, after the GET).
 */
export class AsyncPaymentUrlFetcher {
  private readonly logger = new Logger('AsyncPaymentUrl');
  /** payment id → when a read last refreshed it (pruned as it grows) */
  private readonly lastRead = new Map<string, number>();

  constructor(
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    /** WOMPI_ASYNC_URL_WAIT_MS: the create's total budget; 0 turns both waits off */
    private readonly budgetMs: number,
  ) {}

  /**
   * After a create: GET the transaction after 250 ms, 500 ms, 1 s, then every 1 s until the URL
   * or a final status appears, the budget is spent, the breaker opens, or a GET fails (the
   * gateway has already retried it: asking again within seconds would only feed the breaker).
   */
  async awaitAfterCreate(paymentId: string, wompiTransactionId: string): Promise<void> {
    if (this.budgetMs <= 0) return;
    const started = Date.now();
    const deadline = started + this.budgetMs;
    let gets = 0;
    for (let i = 0; ; i++) {
      const wait = Math.min(ASYNC_URL_BACKOFF_MS[Math.min(i, ASYNC_URL_BACKOFF_MS.length - 1)], deadline - Date.now());
      if (wait <= 0) break;
      await sleep(wait);
      const left = deadline - Date.now();
      if (left <= 0 || this.gateway.breakerState('transactions-read') === 'open') break;
      gets++;
      const step = await this.fetchAndApply(paymentId, wompiTransactionId, left);
      if (step === 'done') {
        this.logger.debug(
          { payment_id: paymentId, gets, waited_ms: Date.now() - started },
          'async_payment_url fetched after create',
        );
        return;
      }
      if (step === 'failed') break;
    }
    this.logger.warn(
      { payment_id: paymentId, wompi_transaction_id: wompiTransactionId, gets, waited_ms: Date.now() - started },
      'async_payment_url not fetched (WOMPI_ASYNC_URL_WAIT_MS spent, breaker open or Wompi failing); answering the create without it (reads and the poller fill it in)',
    );
  }

  /**
   * On a read: one bounded GET for a PENDING redirect payment still without its URL, at most
   * every READ_REFRESH_EVERY_MS per payment, skipped while the breaker is open. True when the
   * record may have changed.
   */
  async refreshOnRead(payment: PaymentEntity): Promise<boolean> {
    if (
      this.budgetMs <= 0 ||
      !recordLacksAsyncUrl(payment) ||
      this.gateway.breakerState('transactions-read') === 'open'
    )
      return false;
    const now = Date.now();
    if (now - (this.lastRead.get(payment.id) ?? 0) < READ_REFRESH_EVERY_MS) return false;
    this.remember(payment.id, now);
    await this.fetchAndApply(payment.id, payment.wompiTransactionId!, Math.min(this.budgetMs, READ_REFRESH_MAX_MS));
    return true;
  }

  /**
   * One GET bounded by `ms`, applied when it answers in time. `done`: nothing more to wait for;
   * `again`: still no URL (or Wompi does not show the transaction yet); `failed`: Wompi or our
   * store failed (logged).
   */
  private async fetchAndApply(
    paymentId: string,
    wompiTransactionId: string,
    ms: number,
  ): Promise<'done' | 'again' | 'failed'> {
    try {
      const tx = await within(this.gateway.getTransaction(wompiTransactionId), ms);
      if (tx === TIMED_OUT) return 'failed';
      const result = await this.state.apply(tx, 'poll', { paymentId });
      // a refused report (mismatch, contradiction) is recorded by the state service; asking again will not help
      if (result.outcome === 'mismatch' || result.outcome === 'contradiction' || result.outcome === 'unknown_payment')
        return 'done';
      return answerLacksAsyncUrl(tx) ? 'again' : 'done';
    } catch (err) {
      if (err instanceof GatewayNotFound) return 'again';
      this.logger.warn(
        { payment_id: paymentId, wompi_transaction_id: wompiTransactionId, error: (err as Error)?.message },
        'fetching async_payment_url from Wompi failed',
      );
      return 'failed';
    }
  }

  private remember(paymentId: string, at: number): void {
    if (this.lastRead.size >= 10_000) {
      for (const [id, t] of this.lastRead) if (at - t >= READ_REFRESH_EVERY_MS) this.lastRead.delete(id);
      if (this.lastRead.size >= 10_000) this.lastRead.clear();
    }
    this.lastRead.set(paymentId, at);
  }
}
