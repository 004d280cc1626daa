import type { OtpFlow } from './daviplata-otp';

export type TxStatus = 'PENDING' | 'APPROVED' | 'DECLINED' | 'ERROR' | 'VOIDED';
export type FinalStatus = 'APPROVED' | 'DECLINED' | 'ERROR';

export interface Outcome {
  status: FinalStatus;
  statusMessage: string | null;
  /** merged into `payment_method.extra` when the transaction is finalised */
  extra?: Record<string, unknown>;
}

export interface TransactionRecord {
  id: string;
  createdAt: Date;
  finalizedAt: Date | null;
  amountInCents: number;
  reference: string;
  customerEmail: string;
  currency: 'COP';
  paymentMethodType: string;
  paymentMethod: { type: string; extra: Record<string, unknown>; [k: string]: unknown };
  status: TxStatus;
  statusMessage: string | null;
  billingData: unknown;
  shippingAddress: unknown;
  redirectUrl: string | null;
  paymentSourceId: number | null;
  paymentLinkId: string | null;
  customerData: unknown;
  taxes: unknown[];
  tipInCents: number | null;
  /** extra fields shown only once polled after creation (fault async_url_on_poll) */
  deferredExtra?: Record<string, unknown>;
  voidRequested?: boolean;
  /** DAVIPLATA payments: the OTP flow of `extra.url_services` */
  otp?: OtpFlow;
  /**
   * the creating request's W3C `traceparent` (and `tracestate`), echoed on this transaction's
   * webhook deliveries — real Wompi sends none; the sandbox does, so a dev trace shows a whole payment
   */
  trace?: { traceparent: string; tracestate?: string };
}

export interface CardTokenRecord {
  id: string;
  number: string;
  createdAt: Date;
  view: Record<string, unknown>;
}

export interface NequiTokenRecord {
  id: string;
  phoneNumber: string;
  status: 'PENDING' | 'APPROVED' | 'DECLINED';
}

export interface DaviplataTokenRecord {
  id: string;
  typeDocument: string;
  numberDocument: string;
  phoneNumber: string;
  status: 'PENDING' | 'APPROVED' | 'DECLINED';
  statusMessage: string | null;
  /** the OTP flow of `url_services` */
  otp: OtpFlow;
}

export interface BancolombiaTokenRecord {
  id: string;
  typeAuth: 'TOKEN' | 'TRANSACTION';
  status: 'PENDING' | 'AVAILABLE' | 'APPROVED' | 'DECLINED';
  statusMessage: string | null;
  bankAccountType: string | null;
  bankAccountLastFour: string | null;
  redirectUrl: string;
  authorizationUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type PaymentSourceType = 'CARD' | 'NEQUI' | 'DAVIPLATA' | 'BANCOLOMBIA_TRANSFER';

export interface PaymentSourceRecord {
  id: number;
  type: PaymentSourceType;
  token: string;
  customerEmail: string;
  status: 'AVAILABLE' | 'VOIDED';
  publicData: Record<string, unknown>;
}

export interface DeliveryRecord {
  event_id: string;
  event: string;
  transaction_id: string | null;
  nequi_token_id?: string;
  bancolombia_transfer_token_id?: string;
  status_sent: string;
  url: string;
  attempt: number;
  http_status: number | null;
  error: string | null;
  at: string;
}

/** Everything the sandbox remembers; `clear()` is the admin reset. */
export class SandboxStore {
  transactions = new Map<string, TransactionRecord>();
  cardTokens = new Map<string, CardTokenRecord>();
  nequiTokens = new Map<string, NequiTokenRecord>();
  daviplataTokens = new Map<string, DaviplataTokenRecord>();
  bancolombiaTokens = new Map<string, BancolombiaTokenRecord>();
  sources = new Map<number, PaymentSourceRecord>();
  links = new Map<string, Record<string, unknown>>();
  usedAcceptance = new Set<string>();
  /** every `jit` handed out, so two live tokens never share one */
  issuedAcceptance = new Set<string>();
  deliveries: DeliveryRecord[] = [];
  nextSourceId = 3891;

  clear(): void {
    this.transactions.clear();
    this.cardTokens.clear();
    this.nequiTokens.clear();
    this.daviplataTokens.clear();
    this.bancolombiaTokens.clear();
    this.sources.clear();
    this.links.clear();
    this.usedAcceptance.clear();
    this.issuedAcceptance.clear();
    this.deliveries = [];
    this.nextSourceId = 3891;
  }
}
