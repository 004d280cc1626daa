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

export type BreakerState = 'closed' | 'half-open' | 'open';

/**
 * Wompi's endpoints grouped by what fails together, one circuit breaker each (see
 * docs/resilience-readiness-and-breakers.md): a failing acceptance-token lookup must not refuse
 * creates, and failing reads must not stop writes.
 */
export const BREAKER_GROUPS = [
  'merchant',
  'tokens',
  'transactions-write',
  'transactions-read',
  'payment-sources',
  'payment-links',
] as const;
export type BreakerGroup = (typeof BREAKER_GROUPS)[number];

/**
 * The only way the service talks to Wompi (an abstract class doubles as the DI token).
 * Implementations throw the errors of ./wompi.errors.ts; `createTransaction` throws
 * `GatewayOutcomeUnknown` when Wompi may or may not have created it — the caller must then
 * resolve it by reference, never re-post.
 */
export abstract class WompiGateway {
  /** Fresh, single-use acceptance tokens (one pair per transaction). */
  abstract getAcceptanceTokens(): Promise<AcceptanceTokens>;
  abstract createCardToken(card: {
    number: string;
    cvc: string;
    exp_month: string;
    exp_year: string;
    card_holder: string;
  }): Promise<WompiCardToken>;
  abstract createNequiToken(phoneNumber: string): Promise<WompiNequiToken>;
  abstract getNequiToken(id: string): Promise<WompiNequiToken>;
  abstract getPseFinancialInstitutions(): Promise<PseFinancialInstitution[]>;
  abstract createTransaction(input: CreateTransactionInput): Promise<WompiTransaction>;
  abstract getTransaction(id: string): Promise<WompiTransaction>;
  /** every Wompi transaction carrying this reference (a buyer retry makes several) */
  abstract findTransactionsByReference(reference: string): Promise<WompiTransaction[]>;
  /** one page of the date-range listing (private key), oldest first */
  abstract listTransactions(query: ListTransactionsQuery): Promise<TransactionPage>;
  abstract voidTransaction(id: string, amountInCents?: number): Promise<WompiVoidResult>;
  abstract createPaymentSource(input: CreatePaymentSourceInput): Promise<WompiPaymentSource>;
  abstract getPaymentSource(id: number): Promise<WompiPaymentSource>;
  /** `PUT /payment_sources/{id}/void`: the source can no longer be charged (status VOIDED). */
  abstract voidPaymentSource(id: number): Promise<WompiPaymentSource>;
  abstract createPaymentLink(input: CreatePaymentLinkInput): Promise<WompiPaymentLink>;
  abstract getPaymentLink(id: string): Promise<WompiPaymentLink>;
  /** `PATCH /payment_links/{id}` `{active}`: the only documented change (docs/wompi.md#payment-links). */
  abstract setPaymentLinkActive(id: string, active: boolean): Promise<WompiPaymentLink>;
  /** One group's breaker; without a group, the worst of them (open > half-open > closed). */
  abstract breakerState(group?: BreakerGroup): BreakerState;
  abstract breakerStates(): Record<BreakerGroup, BreakerState>;
}
