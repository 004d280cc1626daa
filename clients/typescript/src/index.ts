/* A typed client of the payments service for internal callers: openapi-fetch over the types
 * generated from the service's OpenAPI document (./schema.ts), with the API key, Idempotency-Key
 * handling, bounded retries of what is safe to retry, and problem+json answers thrown as typed
 * exceptions (./errors.ts). See README.md. */
import createClient, { type Client } from 'openapi-fetch';
import { toPaymentsError, type Problem } from './errors';
import type { components, operations, paths } from './schema';

export * from './errors';
export type { components, operations, paths } from './schema';

type Schemas = components['schemas'];
export type Transaction = Schemas['TransactionResponse'];
export type TransactionPage = Schemas['TransactionListResponse'];
export type CreateTransactionInput = Schemas['CreateTransactionDto'];
export type VoidTransactionInput = Schemas['VoidTransactionDto'];
export type ListTransactionsQuery = NonNullable<operations['TransactionsController_list']['parameters']['query']>;
export type CheckoutSession = Schemas['CheckoutSessionResponse'];
export type CreateCheckoutSessionInput = Schemas['CreateCheckoutSessionDto'];
export type PaymentSource = Schemas['PaymentSourceResponse'];
export type CreatePaymentSourceInput = Schemas['CreatePaymentSourceDto'];
export type VoidPaymentSourceInput = Schemas['VoidPaymentSourceDto'];
export type PaymentLink = Schemas['PaymentLinkResponse'];
export type PaymentLinkPage = Schemas['PaymentLinkPage'];
export type CreatePaymentLinkInput = Schemas['CreatePaymentLinkDto'];
export type UpdatePaymentLinkInput = Schemas['UpdatePaymentLinkDto'];
export type ListPaymentLinksQuery = NonNullable<operations['PaymentLinksController_list']['parameters']['query']>;
export type Acceptance = Schemas['AcceptanceResponse'];
export type PseBanks = Schemas['PseBanksResponse'];

export interface PaymentsClientOptions {
  /** the service's origin, e.g. `http://payments.internal:3000` */
  baseUrl: string;
  /** this service's key of INTERNAL_API_KEYS (sent as `Authorization: Bearer …`) */
  apiKey: string;
  /** a fetch of your own (tests, proxies, tracing); default globalThis.fetch */
  fetch?: (input: Request) => Promise<Response>;
  /**
   * How many times a request that is safe to send again is retried (reads, and writes with their
   * Idempotency-Key, which the service deduplicates): on a network error, 409
   * IDEMPOTENCY_KEY_IN_FLIGHT, 429, 503 and 504. Default 2; 0 turns retries off.
   */
  retries?: number;
  /** the longest wait between two attempts, whatever Retry-After says (default 5000 ms) */
  maxRetryDelayMs?: number;
}

/** Options of a write that takes an Idempotency-Key. */
export interface IdempotentOptions {
  /**
   * One key per logical operation (e.g. derived from your order id and stored with it). The
   * same key with the same body returns the first answer again; with another body, 422. If
   * omitted a fresh key is generated for this call and reused by its retries; it is on any
   * thrown PaymentsApiError (`idempotencyKey`) so that you can retry later with it.
   */
  idempotencyKey?: string;
}

/** A fresh Idempotency-Key (a random UUID). */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryAfterSeconds(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function asProblem(body: unknown): Problem | undefined {
  return body !== null && typeof body === 'object' && typeof (body as Problem).status === 'number'
    ? (body as Problem)
    : undefined;
}

export type PaymentsClient = ReturnType<typeof createPaymentsClient>;

/** The client: one per process is enough (it holds no connection of its own). */
export function createPaymentsClient(options: PaymentsClientOptions) {
  const raw: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: options.fetch,
    headers: { Authorization: `Bearer ${options.apiKey}` },
  });
  const retries = options.retries ?? 2;
  const maxDelayMs = options.maxRetryDelayMs ?? 5000;

  /**
   * Sends `send()` (again, when `retry`) until it answers 2xx or a final error; throws the
   * typed error. `retry`: whether sending it again cannot do something twice.
   */
  async function run<T>(
    what: string,
    send: () => Promise<Answer<T>>,
    opts: { retry: boolean; idempotencyKey?: string },
  ): Promise<T> {
    const [method, url] = what.split(' ');
    for (let attempt = 0; ; attempt++) {
      const last = !opts.retry || attempt >= retries;
      let answer: Answer<T>;
      try {
        answer = await send();
      } catch (err) {
        // the request may or may not have reached the service: only a safe request is sent again
        if (last) throw err;
        await sleep(Math.min(maxDelayMs, 250 * 2 ** attempt));
        continue;
      }
      const { response } = answer;
      if (response.ok) return answer.data as T;
      const error = toPaymentsError({
        status: response.status,
        problem: asProblem(answer.error),
        retryAfterSeconds: retryAfterSeconds(response),
        method,
        url,
        idempotencyKey: opts.idempotencyKey,
      });
      if (last || !error.retryable) throw error;
      await sleep(Math.min(maxDelayMs, (error.retryAfterSeconds ?? 0.25 * 2 ** attempt) * 1000));
    }
  }

  /** A write with an Idempotency-Key: the caller's, or one generated for this call (and its retries). */
  function idempotent<T>(
    what: string,
    opts: IdempotentOptions | undefined,
    send: (idempotencyKey: string) => Promise<Answer<T>>,
  ): Promise<T> {
    const idempotencyKey = opts?.idempotencyKey ?? newIdempotencyKey();
    return run(what, () => send(idempotencyKey), { retry: true, idempotencyKey });
  }

  const key = (idempotencyKey: string) => ({ header: { 'Idempotency-Key': idempotencyKey } });
  const read = { retry: true };

  return {
    /** The openapi-fetch client itself (API key included), for routes without a helper here. */
    raw,

    transactions: {
      /** POST /v1/transactions: a payment with any Wompi method. */
      create: (body: CreateTransactionInput, opts?: IdempotentOptions): Promise<Transaction> =>
        idempotent('POST /v1/transactions', opts, (k) => raw.POST('/v1/transactions', { params: key(k), body })),
      /** GET /v1/transactions/{id}: one of your payments, with its Wompi attempts. */
      get: (id: string): Promise<Transaction> =>
        run('GET /v1/transactions/{id}', () => raw.GET('/v1/transactions/{id}', { params: { path: { id } } }), read),
      /** GET /v1/transactions: your payments, newest first (pass `next_cursor` as `cursor`). */
      list: (query: ListTransactionsQuery = {}): Promise<TransactionPage> =>
        run('GET /v1/transactions', () => raw.GET('/v1/transactions', { params: { query } }), read),
      /** POST /v1/transactions/confirm: the status of a Wompi transaction (a redirect's `?id=`), fetched now. */
      confirm: (wompiTransactionId: string): Promise<Transaction> =>
        run(
          'POST /v1/transactions/confirm',
          () => raw.POST('/v1/transactions/confirm', { body: { wompi_transaction_id: wompiTransactionId } }),
          { retry: false },
        ),
      /** POST /v1/transactions/{id}/void: void an APPROVED card payment. */
      void: (id: string, body: VoidTransactionInput = {}, opts?: IdempotentOptions): Promise<Transaction> =>
        idempotent('POST /v1/transactions/{id}/void', opts, (k) =>
          raw.POST('/v1/transactions/{id}/void', { params: { ...key(k), path: { id } }, body }),
        ),
    },

    checkoutSessions: {
      /** POST /v1/checkout-sessions: a signed session for Wompi's widget or Web Checkout. */
      create: (body: CreateCheckoutSessionInput, opts?: IdempotentOptions): Promise<CheckoutSession> =>
        idempotent('POST /v1/checkout-sessions', opts, (k) =>
          raw.POST('/v1/checkout-sessions', { params: key(k), body }),
        ),
    },

    paymentSources: {
      create: (body: CreatePaymentSourceInput, opts?: IdempotentOptions): Promise<PaymentSource> =>
        idempotent('POST /v1/payment-sources', opts, (k) => raw.POST('/v1/payment-sources', { params: key(k), body })),
      get: (id: string): Promise<PaymentSource> =>
        run(
          'GET /v1/payment-sources/{id}',
          () => raw.GET('/v1/payment-sources/{id}', { params: { path: { id } } }),
          read,
        ),
      void: (id: string, body: VoidPaymentSourceInput, opts?: IdempotentOptions): Promise<PaymentSource> =>
        idempotent('POST /v1/payment-sources/{id}/void', opts, (k) =>
          raw.POST('/v1/payment-sources/{id}/void', { params: { ...key(k), path: { id } }, body }),
        ),
    },

    paymentLinks: {
      create: (body: CreatePaymentLinkInput, opts?: IdempotentOptions): Promise<PaymentLink> =>
        idempotent('POST /v1/payment-links', opts, (k) => raw.POST('/v1/payment-links', { params: key(k), body })),
      get: (id: string): Promise<PaymentLink> =>
        run('GET /v1/payment-links/{id}', () => raw.GET('/v1/payment-links/{id}', { params: { path: { id } } }), read),
      list: (query: ListPaymentLinksQuery = {}): Promise<PaymentLinkPage> =>
        run('GET /v1/payment-links', () => raw.GET('/v1/payment-links', { params: { query } }), read),
      update: (id: string, body: UpdatePaymentLinkInput, opts?: IdempotentOptions): Promise<PaymentLink> =>
        idempotent('PATCH /v1/payment-links/{id}', opts, (k) =>
          raw.PATCH('/v1/payment-links/{id}', { params: { ...key(k), path: { id } }, body }),
        ),
    },

    /** GET /v1/acceptance: a fresh pair of acceptance tokens to show the buyer (one pair per payment). */
    acceptance: (): Promise<Acceptance> => run('GET /v1/acceptance', () => raw.GET('/v1/acceptance'), read),

    /** GET /v1/pse/financial-institutions: the PSE banks to offer. */
    pseBanks: (): Promise<PseBanks> =>
      run('GET /v1/pse/financial-institutions', () => raw.GET('/v1/pse/financial-institutions'), read),
  };
}
