/**
 * The HTTP adapter of the `WompiGateway` port: the only code that talks to Wompi.
 * Keys per docs/wompi.md#which-key-each-endpoint-takes: public for tokens, merchant info and PSE banks; private for
 * transactions, search, void, payment sources and payment links.
 */
import { LoggerService, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { withExpiry } from './acceptance-tokens';
import { integritySignature } from './signatures';
import { BREAKER_GROUPS, BreakerGroup, BreakerState, WompiGateway } from './wompi-gateway.port';
import { CallSpec, FetchLike, WompiHttpClient } from './wompi-http.client';
import * as v from './wompi-response.validators';
import { GatewayNotFound } from './wompi.errors';
import {
  AcceptanceTokens,
  CreatePaymentLinkInput,
  CreatePaymentSourceInput,
  CreateTransactionInput,
  ListTransactionsQuery,
  PseFinancialInstitution,
  TransactionPage,
  WompiCardToken,
  WompiNequiToken,
  WompiPaymentLink,
  WompiPaymentSource,
  WompiTransaction,
  WompiVoidResult,
} from './wompi.types';

type MerchantForm = 'path' | 'info';

const enc = encodeURIComponent;

/**
 * Per-method fields Wompi wants inside `payment_method` that the caller gave once at the top
 * level: BANCOLOMBIA_BNPL carries its own `redirect_url` (docs/wompi.md#payment-methods), taken from the
 * transaction's `redirect_url` when the caller sent none there.
 */
export function withMethodDefaults(input: CreateTransactionInput): CreateTransactionInput {
  const pm = input.payment_method;
  if (pm?.type === 'BANCOLOMBIA_BNPL' && pm.redirect_url === undefined && input.redirect_url !== undefined) {
    return { ...input, payment_method: { ...pm, redirect_url: input.redirect_url } };
  }
  return input;
}

export class WompiHttpGateway extends WompiGateway implements OnApplicationShutdown {
  private readonly http: WompiHttpClient;
  /**
   * Which merchant endpoint answered last (docs/wompi.md#reported-changes: the path form is said to be switched
   * off in 2026). Only this preference is remembered — never the single-use tokens.
   */
  private merchantForm: MerchantForm = 'path';

  constructor(
    private readonly config: AppConfig,
    metrics: Metrics,
    options: { logger?: LoggerService; fetch?: FetchLike } = {},
  ) {
    super();
    this.http = new WompiHttpClient(config.wompi, metrics, options.logger, options.fetch);
  }

  /** After the drains of `beforeApplicationShutdown`: closes the pooled keep-alive sockets. */
  onApplicationShutdown(): void {
    this.http.close();
  }

  private call<T>(operation: string, spec: CallSpec<T>): Promise<T> {
    return this.http.call(operation, spec);
  }

  breakerState(group?: BreakerGroup): BreakerState {
    if (group) return this.http.breakerState(group);
    const states = BREAKER_GROUPS.map((g) => this.http.breakerState(g));
    return states.includes('open') ? 'open' : states.includes('half-open') ? 'half-open' : 'closed';
  }

  breakerStates(): Record<BreakerGroup, BreakerState> {
    return this.http.breakerStates();
  }

  async getAcceptanceTokens(): Promise<AcceptanceTokens> {
    const first = this.merchantForm;
    const second: MerchantForm = first === 'path' ? 'info' : 'path';
    let presigned: ReturnType<typeof v.merchantPresigned>;
    try {
      presigned = await this.fetchMerchant(first);
    } catch (err) {
      if (!(err instanceof GatewayNotFound)) throw err;
      presigned = await this.fetchMerchant(second);
      this.merchantForm = second;
    }
    return {
      presigned_acceptance: withExpiry(presigned.acceptance),
      presigned_personal_data_auth: withExpiry(presigned.personal),
    };
  }

  private fetchMerchant(form: MerchantForm) {
    const common = {
      group: 'merchant' as const,
      method: 'GET' as const,
      safeToRetry: true,
      what: 'Merchant for the configured public key',
      parse: (b: unknown) => v.merchantPresigned(v.dataOf(b)),
    };
    return form === 'path'
      ? this.call('get_merchant', {
          ...common,
          path: `/merchants/${enc(this.config.wompi.publicKey)}`,
          route: '/merchants/:public_key',
          key: 'none',
        })
      : this.call('get_merchant', {
          ...common,
          path: '/merchants/info',
          route: '/merchants/info',
          key: 'none',
          headers: { 'x-merchant-public-key': this.config.wompi.publicKey },
        });
  }

  createCardToken(card: {
    number: string;
    cvc: string;
    exp_month: string;
    exp_year: string;
    card_holder: string;
  }): Promise<WompiCardToken> {
    return this.call('create_card_token', {
      group: 'tokens',
      method: 'POST',
      path: '/tokens/cards',
      route: '/tokens/cards',
      key: 'public',
      body: card,
      safeToRetry: false,
      ambiguousIsUnknown: false,
      what: 'Card token',
      parse: (b) => v.cardToken(v.dataOf(b)),
    });
  }

  createNequiToken(phoneNumber: string): Promise<WompiNequiToken> {
    return this.call('create_nequi_token', {
      group: 'tokens',
      method: 'POST',
      path: '/tokens/nequi',
      route: '/tokens/nequi',
      key: 'public',
      body: { phone_number: phoneNumber },
      safeToRetry: false,
      ambiguousIsUnknown: false,
      what: 'Nequi token',
      parse: (b) => v.nequiToken(v.dataOf(b)),
    });
  }

  getNequiToken(id: string): Promise<WompiNequiToken> {
    return this.call('get_nequi_token', {
      group: 'tokens',
      method: 'GET',
      path: `/tokens/nequi/${enc(id)}`,
      route: '/tokens/nequi/:id',
      key: 'public',
      safeToRetry: true,
      what: 'Nequi token',
      parse: (b) => v.nequiToken(v.dataOf(b)),
    });
  }

  getPseFinancialInstitutions(): Promise<PseFinancialInstitution[]> {
    return this.call('get_pse_institutions', {
      group: 'merchant',
      method: 'GET',
      path: '/pse/financial_institutions',
      route: '/pse/financial_institutions',
      key: 'public',
      safeToRetry: true,
      what: 'PSE institution list',
      parse: (b) => v.pseInstitutionsBody(b),
    });
  }

  /**
   * Never re-posted: a timeout, a connection reset after sending or a 5xx throws
   * `GatewayOutcomeUnknown`, and the caller resolves it by reference.
   */
  createTransaction(input: CreateTransactionInput): Promise<WompiTransaction> {
    const signature = integritySignature(
      {
        reference: input.reference,
        amountInCents: input.amount_in_cents,
        currency: input.currency,
        expirationTime: input.expiration_time,
      },
      this.config.wompi.integritySecret,
    );
    return this.call('create_transaction', {
      group: 'transactions-write',
      method: 'POST',
      path: '/transactions',
      route: '/transactions',
      key: 'private',
      body: { ...withMethodDefaults(input), signature },
      safeToRetry: false,
      ambiguousIsUnknown: true,
      what: 'Transaction',
      reference: input.reference,
      parse: (b) => v.transaction(v.dataOf(b)),
    });
  }

  getTransaction(id: string): Promise<WompiTransaction> {
    return this.call('get_transaction', {
      group: 'transactions-read',
      method: 'GET',
      path: `/transactions/${enc(id)}`,
      route: '/transactions/:id',
      key: 'private',
      transactionId: id,
      safeToRetry: true,
      what: `Transaction ${id}`,
      parse: (b) => v.transaction(v.dataOf(b)),
    });
  }

  async findTransactionsByReference(reference: string): Promise<WompiTransaction[]> {
    const list = await this.call('search_transactions', {
      group: 'transactions-read',
      method: 'GET',
      path: `/transactions?reference=${enc(reference)}`,
      route: '/transactions?reference=',
      key: 'private',
      reference,
      safeToRetry: true,
      what: 'Transactions',
      parse: (b) => v.transactionList(v.dataOf(b)),
    });
    // the search is meant to be exact; a stray match must never be taken for ours
    return list.filter((t) => t.reference === reference);
  }

  listTransactions(q: ListTransactionsQuery): Promise<TransactionPage> {
    const query = `from_date=${enc(q.fromDate)}&until_date=${enc(q.untilDate)}&page=${q.page}&page_size=${q.pageSize}&order_by=created_at&order=ASC`;
    return this.call('list_transactions', {
      group: 'transactions-read',
      method: 'GET',
      path: `/transactions?${query}`,
      route: '/transactions?from_date=',
      key: 'private',
      safeToRetry: true,
      what: 'Transactions',
      parse: (b) => v.transactionPage(b),
    });
  }

  voidTransaction(id: string, amountInCents?: number): Promise<WompiVoidResult> {
    return this.call('void_transaction', {
      group: 'transactions-write',
      method: 'POST',
      path: `/transactions/${enc(id)}/void`,
      route: '/transactions/:id/void',
      key: 'private',
      transactionId: id,
      body: amountInCents === undefined ? {} : { amount_in_cents: amountInCents },
      safeToRetry: false,
      ambiguousIsUnknown: true,
      what: `Transaction ${id}`,
      parse: (b) => v.voidResult(v.dataOf(b)),
    });
  }

  createPaymentSource(input: CreatePaymentSourceInput): Promise<WompiPaymentSource> {
    return this.call('create_payment_source', {
      group: 'payment-sources',
      method: 'POST',
      path: '/payment_sources',
      route: '/payment_sources',
      key: 'private',
      body: input,
      safeToRetry: false,
      ambiguousIsUnknown: true,
      what: 'Payment source',
      parse: (b) => v.paymentSource(v.dataOf(b)),
    });
  }

  getPaymentSource(id: number): Promise<WompiPaymentSource> {
    return this.call('get_payment_source', {
      group: 'payment-sources',
      method: 'GET',
      path: `/payment_sources/${enc(String(id))}`,
      route: '/payment_sources/:id',
      key: 'private',
      safeToRetry: true,
      what: `Payment source ${id}`,
      parse: (b) => v.paymentSource(v.dataOf(b)),
    });
  }

  /** Idempotent by nature (voiding a VOIDED source leaves it VOIDED), so safe to send again. */
  voidPaymentSource(id: number): Promise<WompiPaymentSource> {
    return this.call('void_payment_source', {
      group: 'payment-sources',
      method: 'PUT',
      path: `/payment_sources/${enc(String(id))}/void`,
      route: '/payment_sources/:id/void',
      key: 'private',
      safeToRetry: true,
      what: `Payment source ${id}`,
      parse: (b) => v.paymentSource(v.dataOf(b)),
    });
  }

  createPaymentLink(input: CreatePaymentLinkInput): Promise<WompiPaymentLink> {
    return this.call('create_payment_link', {
      group: 'payment-links',
      method: 'POST',
      path: '/payment_links',
      route: '/payment_links',
      key: 'private',
      body: input,
      safeToRetry: false,
      ambiguousIsUnknown: true,
      what: 'Payment link',
      parse: (b) => v.paymentLink(v.dataOf(b)),
    });
  }

  getPaymentLink(id: string): Promise<WompiPaymentLink> {
    return this.call('get_payment_link', {
      group: 'payment-links',
      method: 'GET',
      path: `/payment_links/${enc(id)}`,
      route: '/payment_links/:id',
      key: 'private',
      safeToRetry: true,
      what: `Payment link ${id}`,
      parse: (b) => v.paymentLink(v.dataOf(b)),
    });
  }

  /** Setting `active` to what it already is changes nothing, so safe to send again. */
  setPaymentLinkActive(id: string, active: boolean): Promise<WompiPaymentLink> {
    return this.call('update_payment_link', {
      group: 'payment-links',
      method: 'PATCH',
      path: `/payment_links/${enc(id)}`,
      route: '/payment_links/:id',
      key: 'private',
      body: { active },
      safeToRetry: true,
      what: `Payment link ${id}`,
      parse: (b) => v.paymentLink(v.dataOf(b)),
    });
  }
}
