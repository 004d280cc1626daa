/** Wompi's own shapes (snake_case, as on the wire). See docs/wompi.md. */
export type WompiTransactionStatus = 'PENDING' | 'APPROVED' | 'DECLINED' | 'VOIDED' | 'ERROR';

export const WOMPI_PAYMENT_METHOD_TYPES = [
  'CARD',
  'NEQUI',
  'PSE',
  'BANCOLOMBIA_TRANSFER',
  'BANCOLOMBIA_QR',
  'BANCOLOMBIA_COLLECT',
  'DAVIPLATA',
  'PCOL',
  'BANCOLOMBIA_BNPL',
] as const;
export type WompiPaymentMethodType = (typeof WOMPI_PAYMENT_METHOD_TYPES)[number];

export interface WompiPaymentMethod {
  type: string;
  extra?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface WompiTransaction {
  id: string;
  created_at: string;
  finalized_at: string | null;
  amount_in_cents: number;
  reference: string;
  customer_email: string | null;
  currency: string;
  payment_method_type: string;
  payment_method: WompiPaymentMethod;
  status: WompiTransactionStatus;
  status_message: string | null;
  redirect_url: string | null;
  payment_source_id: number | null;
  payment_link_id: string | null;
  [field: string]: unknown;
}

/** One page of `GET /transactions?from_date&until_date&page&page_size`. */
export interface TransactionPage {
  data: WompiTransaction[];
  /** `meta.total_results` when Wompi gives it */
  totalResults: number | null;
}

export interface ListTransactionsQuery {
  /** YYYY-MM-DD */
  fromDate: string;
  /** YYYY-MM-DD, inclusive */
  untilDate: string;
  /** 1-based */
  page: number;
  pageSize: number;
}

export interface PresignedToken {
  acceptance_token: string;
  permalink: string;
  type: 'END_USER_POLICY' | 'PERSONAL_DATA_AUTH';
  /** decoded from the JWT's `exp`, when it has one */
  expires_at: string | null;
}

export interface AcceptanceTokens {
  presigned_acceptance: PresignedToken;
  presigned_personal_data_auth: PresignedToken;
}

/** `payment_method` of POST /transactions, per method (docs/wompi.md#payment-methods). */
export type PaymentMethodInput =
  | { type: 'CARD'; token: string; installments: number }
  | { type: 'NEQUI'; phone_number: string }
  | {
      type: 'PSE';
      user_type: 0 | 1;
      user_legal_id_type: string;
      user_legal_id: string;
      financial_institution_code: string;
      payment_description: string;
      reference_one?: string;
      reference_two?: string;
      reference_three?: string;
    }
  | {
      type: 'BANCOLOMBIA_TRANSFER';
      user_type: 'PERSON';
      payment_description: string;
      ecommerce_url?: string;
      sandbox_status?: string;
    }
  | { type: 'BANCOLOMBIA_QR'; payment_description: string; sandbox_status?: string }
  | { type: 'BANCOLOMBIA_COLLECT' }
  | { type: 'DAVIPLATA'; user_legal_id_type: string; user_legal_id: string; payment_description: string }
  | { type: 'PCOL'; sandbox_status?: string }
  | {
      type: 'BANCOLOMBIA_BNPL';
      name: string;
      last_name: string;
      user_legal_id_type: string;
      user_legal_id: string;
      phone_number: string;
      phone_code: string;
      payment_description: string;
      /** where Bancolombia sends the buyer back; the gateway fills it from the top-level `redirect_url` when absent */
      redirect_url?: string;
      sandbox_status?: string;
    };

/** Wompi's minimum per method, above the business minimum (COP 1,500; docs/wompi.md#payment-methods, #amounts-references-and-redirects). */
export const METHOD_MIN_AMOUNT_IN_CENTS: Partial<Record<WompiPaymentMethodType, number>> = {
  BANCOLOMBIA_BNPL: 10_000_000,
};

export interface CustomerData {
  phone_number?: string;
  full_name?: string;
  legal_id?: string;
  legal_id_type?: string;
}

/** What the service asks Wompi to create. The adapter adds the integrity `signature`. */
export interface CreateTransactionInput {
  reference: string;
  amount_in_cents: number;
  currency: 'COP';
  customer_email: string;
  acceptance_token: string;
  accept_personal_auth?: string;
  payment_method?: PaymentMethodInput;
  /** card sources take `payment_method: { installments }` */
  payment_source_id?: number;
  redirect_url?: string;
  expiration_time?: string;
  customer_data?: CustomerData;
  shipping_address?: Record<string, unknown>;
  recurrent?: boolean;
}

export interface WompiVoidResult {
  status: string;
  status_message: string | null;
  transaction: WompiTransaction;
}

export interface WompiPaymentSource {
  id: number;
  type: string;
  status: string;
  token?: string;
  customer_email?: string | null;
  public_data: Record<string, unknown>;
  [field: string]: unknown;
}

export interface CreatePaymentSourceInput {
  type: 'CARD' | 'NEQUI' | 'DAVIPLATA' | 'BANCOLOMBIA_TRANSFER';
  token: string;
  customer_email: string;
  acceptance_token: string;
  accept_personal_auth?: string;
  payment_description?: string;
}

export interface WompiPaymentLink {
  id: string;
  active: boolean;
  name: string;
  description: string;
  single_use: boolean;
  collect_shipping: boolean;
  amount_in_cents: number | null;
  currency: string;
  [field: string]: unknown;
}

export interface CreatePaymentLinkInput {
  name: string;
  description: string;
  single_use: boolean;
  collect_shipping: boolean;
  currency: 'COP';
  amount_in_cents?: number | null;
  expires_at?: string;
  redirect_url?: string;
  sku?: string;
}

export interface WompiNequiToken {
  id: string;
  status: 'PENDING' | 'APPROVED' | 'DECLINED';
  phone_number: string;
  name?: string;
}

export interface WompiCardToken {
  id: string;
  brand: string;
  name: string;
  last_four: string;
  exp_month: string;
  exp_year: string;
  card_holder: string;
  created_at: string;
  expires_at: string;
  [field: string]: unknown;
}

export interface PseFinancialInstitution {
  financial_institution_code: string;
  financial_institution_name: string;
}

/** The event envelope Wompi POSTs (docs/wompi.md#events-and-the-checksum). */
export interface WompiEvent {
  event: string;
  data: Record<string, unknown>;
  environment: string;
  signature: { properties: string[]; checksum: string };
  timestamp: number;
  sent_at?: string;
}
