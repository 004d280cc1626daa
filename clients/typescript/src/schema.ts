/**
 * GENERATED from the payments service's OpenAPI document (/docs-json) by openapi-typescript.
 * Do not edit by hand: change the controllers' decorators, then run `npm run client:generate`
 * at the repository root (test/client/client-drift.spec.ts fails while this file is stale).
 */

export interface paths {
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Prometheus text exposition format 0.0.4: HTTP requests, webhook ingress, the outbox, the Wompi breaker, Node.js process metrics. No authentication: expose it only inside the cluster.
         */
        get: operations["MetricsController_scrape"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers (no dependency is checked) */
        get: operations["HealthController_live"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: Postgres answers and every migration is applied; worker and all also need Redis and RabbitMQ. For the api, Redis and RabbitMQ are reported (required: false) but never fail it; the Wompi breakers never fail it. In `npm run dev` without Redis / RabbitMQ the entries are `queue` (driver memory) and `bus` (driver log) instead. */
        get: operations["HealthController_ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/acceptance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A fresh pair of Wompi acceptance tokens to show the buyer
         * @description Each call fetches a new pair from Wompi (tokens are single-use: one pair per payment). Show the buyer both documents (`permalinks`) with a checkbox each (Habeas Data), then send `acceptance_token` and `accept_personal_auth` with the payment.
         */
        get: operations["AcceptanceController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/pse/financial-institutions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The PSE banks, to build the PSE form
         * @description Wompi's GET /pse/financial_institutions, cached in memory for 10 minutes (banks change rarely). Send the chosen `financial_institution_code` with the PSE payment.
         */
        get: operations["PseBanksController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/payment-sources": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Save a buyer's card, Nequi, Daviplata or Bancolombia account as a Wompi payment source
         * @description Wompi's POST /payment_sources needs the private key, which only this service holds. The buyer's acceptance of both policies is recorded as consent evidence. The source belongs to your API key: only you can read, void or charge it (POST /v1/transactions with `payment_source_id` = `wompi_payment_source_id`).
         */
        post: operations["PaymentSourcesController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/payment-sources/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read one of your payment sources, as Wompi has it now
         * @description Our record, with status and public_data fetched from Wompi's GET /payment_sources/{id}.
         */
        get: operations["PaymentSourcesController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/payment-sources/{id}/void": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Void one of your payment sources
         * @description Wompi's PUT /payment_sources/{id}/void: the source can never be charged again. Body: none or `{}`. Voiding a VOIDED source answers it again.
         */
        post: operations["PaymentSourcesController_voidSource"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/payment-links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List your payment links, newest first
         * @description Page with `cursor` = the previous `next_cursor`.
         */
        get: operations["PaymentLinksController_list"];
        put?: never;
        /**
         * Create a Wompi payment link (single-use or reusable, fixed or open amount)
         * @description Wompi's POST /payment_links needs the private key, which only this service holds. The link belongs to your API key. Share `checkout_url`; every Wompi transaction paying the link becomes one of your payments (kind PAYMENT_LINK, `payment_link_id` = this `id`, reference generated by Wompi) with the usual transaction.* events.
         */
        post: operations["PaymentLinksController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/payment-links/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read one of your payment links */
        get: operations["PaymentLinksController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Deactivate one of your payment links
         * @description Body `{"active": false}` (the only change offered). Wompi stops taking payments on it; a payment Wompi still takes afterwards (a checkout page opened before) is recorded and flagged DEACTIVATED. Deactivating an inactive link answers it again.
         */
        patch: operations["PaymentLinksController_update"];
        trace?: never;
    };
    "/v1/external-transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List external transactions, newest first
         * @description Wompi transactions whose reference this service never issued (dashboard charges, links made outside this service, a widget on another page). Each was announced as `transaction.external`; nothing is fulfilled for one nobody claimed (`payment_id` null).
         */
        get: operations["ExternalTransactionsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/external-transactions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read one external transaction */
        get: operations["ExternalTransactionsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List your payments, newest first
         * @description From our store. Cursor pagination: pass `next_cursor` as `cursor` until it is null.
         */
        get: operations["TransactionsController_list"];
        put?: never;
        /**
         * Create a payment with any Wompi method
         * @description Records the payment, creates the Wompi transaction and answers with what the buyer needs next. Statuses arrive by webhook (or poll). When Wompi does not answer in time the payment is UNKNOWN and resolved by its reference — the create is never sent twice.
         */
        post: operations["TransactionsController_createTransaction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/transactions/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm a Wompi redirect
         * @description Pass the `id` Wompi appended to your redirect_url. The transaction is fetched from Wompi and matched to your payment by reference; the id alone is never trusted.
         */
        post: operations["TransactionsController_confirm"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/transactions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read one of your payments, with its Wompi attempts */
        get: operations["TransactionsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/transactions/{id}/void": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Void an APPROVED card payment
         * @description A full void: send no body or `{}`. `amount_in_cents` (a partial void) is refused with 400 — Wompi's partial void is unconfirmed — and so is any other field. Wompi answers while the transaction is still APPROVED; it becomes VOIDED shortly after (the record and a transaction.voided event follow).
         */
        post: operations["TransactionsController_voidTransaction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/checkout-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Web Checkout / Widget parameters with the server-side integrity signature
         * @description Records the payment (kind CHECKOUT, PENDING) so the webhook of the buyer's payment finds it, and returns the Web Checkout URL and the Widget attributes with amount, reference and signature fixed here. Hand `checkout_url` (or `widget`) to the frontend; confirm the outcome with GET /v1/transactions/:id or the events, never from the redirect alone.
         */
        post: operations["CheckoutSessionsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/wompi": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Wompi event ingress
         * @description Verifies the checksum (every secret in WOMPI_EVENTS_SECRET), checks the environment, stores the event in the inbox (redeliveries collapse on one row) and enqueues it; answers 200 for new events, duplicates and unknown event types alike. Never rejects on age (Wompi retries for 24 h); only timestamps over an hour ahead are refused. Body limit 256 KiB.
         */
        post: operations["WompiWebhookController_receive"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List inbox events, newest first
         * @description Without raw bodies or payloads. Page with `cursor` = the previous `next_cursor`.
         */
        get: operations["WebhookEventsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/events/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay one event
         * @description Sets the row back to RECEIVED and enqueues it with a fresh job id; the processor applies it idempotently (a final state never regresses).
         */
        post: operations["WebhookEventsController_replay"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/reconciliations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List reconciliation runs, newest first */
        get: operations["ReconciliationController_list"];
        put?: never;
        /**
         * Reconcile a range with Wompi
         * @description Idempotent per range: the same `from`/`until` is always the same run — 202 when it is queued now, 200 with the existing run otherwise (a failed run is queued again, same id, next attempt). The run compares every Wompi transaction created in [from, until) with our books, heals what is safe and reports the rest.
         */
        post: operations["ReconciliationController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/reconciliations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One run with its counts; with `Accept: text/csv`, its discrepancies as CSV */
        get: operations["ReconciliationController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/reconciliations/{id}/discrepancies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run's discrepancies (JSON pages, or every row as CSV with `Accept: text/csv`) */
        get: operations["ReconciliationController_discrepancies"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/outbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List outbound domain events by status
         * @description DEAD events were refused by the broker too often and hold back later events of their payment; PENDING ones wait for the relay; SENT ones were confirmed by RabbitMQ.
         */
        get: operations["OutboxController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/outbox/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Put a DEAD event back in line
         * @description DEAD → PENDING with attempts reset; the relay publishes it (same CloudEvent id) and then the events it held back.
         */
        post: operations["OutboxController_retry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AcceptancePermalinks: {
            /**
             * @description End-user policy (terms and conditions) to show the buyer
             * @example https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf
             */
            end_user_policy: string;
            /**
             * @description Personal data processing authorization (Habeas Data) to show the buyer
             * @example https://wompi.com/assets/downloadble/autorizacion-administracion-datos-personales.pdf
             */
            personal_data_auth: string;
        };
        PresignedTokenResponse: {
            /**
             * @description Single-use JWT issued by Wompi
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6MSwicGVybWFsaW5rIjoiaHR0cHM6Ly93b21waS5jb20vYXNzZXRzL2Rvd25sb2FkYmxlL3JlZ2xhbWVudG8tVXN1YXJpb3MtQ29sb21iaWEucGRmIiwiZmlsZV9oYXNoIjoiZDFlZDA3MjZkNTI4YjI1NTZlNjFhYWE0MmI3NmY5ZjgiLCJqaXQiOiIxNjYzODgwNzI2LTI1ODA2IiwiZW1haWwiOiIiLCJleHAiOjE3NjM3MDM2MDB9.signature
             */
            acceptance_token: string;
            /**
             * @description The document the buyer accepts (PDF)
             * @example https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf
             */
            permalink: string;
            /**
             * @example END_USER_POLICY
             * @enum {string}
             */
            type: "END_USER_POLICY" | "PERSONAL_DATA_AUTH";
            /**
             * @description The token's expiry (from its JWT `exp`), when it has one
             * @example 2025-11-21T05:00:00.000Z
             */
            expires_at: string | null;
        };
        AcceptanceResponse: {
            /**
             * @description END_USER_POLICY token; send it as `acceptance_token`
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6MSwicGVybWFsaW5rIjoiaHR0cHM6Ly93b21waS5jb20vYXNzZXRzL2Rvd25sb2FkYmxlL3JlZ2xhbWVudG8tVXN1YXJpb3MtQ29sb21iaWEucGRmIiwiZmlsZV9oYXNoIjoiZDFlZDA3MjZkNTI4YjI1NTZlNjFhYWE0MmI3NmY5ZjgiLCJqaXQiOiIxNjYzODgwNzI2LTI1ODA2IiwiZW1haWwiOiIiLCJleHAiOjE3NjM3MDM2MDB9.signature
             */
            acceptance_token: string;
            /**
             * @description PERSONAL_DATA_AUTH token; send it as `accept_personal_auth`
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6MSwicGVybWFsaW5rIjoiaHR0cHM6Ly93b21waS5jb20vYXNzZXRzL2Rvd25sb2FkYmxlL3JlZ2xhbWVudG8tVXN1YXJpb3MtQ29sb21iaWEucGRmIiwiZmlsZV9oYXNoIjoiZDFlZDA3MjZkNTI4YjI1NTZlNjFhYWE0MmI3NmY5ZjgiLCJqaXQiOiIxNjYzODgwNzI2LTI1ODA2IiwiZW1haWwiOiIiLCJleHAiOjE3NjM3MDM2MDB9.signature
             */
            accept_personal_auth: string;
            permalinks: components["schemas"]["AcceptancePermalinks"];
            presigned_acceptance: components["schemas"]["PresignedTokenResponse"];
            /**
             * @example {
             *       "acceptance_token": "eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6MSwicGVybWFsaW5rIjoiaHR0cHM6Ly93b21waS5jb20vYXNzZXRzL2Rvd25sb2FkYmxlL3JlZ2xhbWVudG8tVXN1YXJpb3MtQ29sb21iaWEucGRmIiwiZmlsZV9oYXNoIjoiZDFlZDA3MjZkNTI4YjI1NTZlNjFhYWE0MmI3NmY5ZjgiLCJqaXQiOiIxNjYzODgwNzI2LTI1ODA2IiwiZW1haWwiOiIiLCJleHAiOjE3NjM3MDM2MDB9.signature",
             *       "permalink": "https://wompi.com/assets/downloadble/autorizacion-administracion-datos-personales.pdf",
             *       "type": "PERSONAL_DATA_AUTH",
             *       "expires_at": "2025-11-21T05:00:00.000Z"
             *     }
             */
            presigned_personal_data_auth: components["schemas"]["PresignedTokenResponse"];
            /**
             * @description The earlier of the two tokens' expiries; fetch a new pair after it (null when Wompi does not say)
             * @example 2025-11-21T05:00:00.000Z
             */
            expires_at: string | null;
        };
        ProblemResponse: {
            /**
             * @description a URI per code (`about:blank` for unexpected errors)
             * @example https://payments.internal/problems/validation-failed
             */
            type: string;
            /** @example Validation failed */
            title: string;
            /** @example 400 */
            status: number;
            /** @example The request has invalid fields */
            detail?: string;
            /**
             * @description the path of the request
             * @example /v1/transactions
             */
            instance?: string;
            /**
             * @description what went wrong, stable across releases; absent on 500 and on routing answers
             * @example VALIDATION_FAILED
             * @enum {string}
             */
            code?: "VALIDATION_FAILED" | "CARD_DATA_REFUSED" | "MALFORMED_EVENT" | "MALFORMED_BODY" | "UNAUTHENTICATED" | "INVALID_SIGNATURE" | "EVENT_REJECTED" | "FORBIDDEN" | "NOT_FOUND" | "IDEMPOTENCY_KEY_IN_FLIGHT" | "INVALID_STATE" | "AMOUNT_MISMATCH" | "REFERENCE_IN_USE" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "IDEMPOTENCY_KEY_REQUIRED" | "IDEMPOTENCY_KEY_MISMATCH" | "RATE_LIMITED" | "GATEWAY_REJECTED" | "GATEWAY_AUTH_FAILED" | "GATEWAY_BAD_RESPONSE" | "GATEWAY_UNAVAILABLE" | "GATEWAY_TIMEOUT" | "DEPENDENCY_UNAVAILABLE";
            /**
             * @description field (dotted path, or a header name) → messages
             * @example {
             *       "payment_method.user_legal_id_type": [
             *         "user_legal_id_type must be one of RC, TI, CC, TE, CE, NIT, PP, DNI"
             *       ]
             *     }
             */
            errors?: {
                [key: string]: string[];
            };
            /**
             * @description on 5xx: quote it to the operators
             * @example 0b8f5c1e-3a2d-4f6b-8c9e-1d2a3b4c5d6e
             */
            error_id?: string;
            /**
             * @description with 409 in flight, 429 and 503: seconds to wait (also the Retry-After header)
             * @example 5
             */
            retry_after_seconds?: number;
            /** @description with GATEWAY_REJECTED: Wompi's reason */
            reason?: string;
            /**
             * @description with RATE_LIMITED: which budget was spent
             * @example internal
             */
            scope?: string;
        };
        PseBankResponse: {
            /**
             * @description send it as payment_method.financial_institution_code of a PSE payment
             * @example 1
             */
            financial_institution_code: string;
            /**
             * @description what the buyer picks from
             * @example Banco que aprueba
             */
            financial_institution_name: string;
        };
        PseBanksResponse: {
            /**
             * @example [
             *       {
             *         "financial_institution_code": "1",
             *         "financial_institution_name": "Banco que aprueba"
             *       },
             *       {
             *         "financial_institution_code": "2",
             *         "financial_institution_name": "Banco que declina"
             *       }
             *     ]
             */
            data: components["schemas"]["PseBankResponse"][];
        };
        CreatePaymentSourceDto: {
            /** @example buyer@example.com */
            customer_email: string;
            /**
             * @description END_USER_POLICY token, from GET /v1/acceptance, after the buyer was shown and accepted the document behind its permalink (Habeas Data)
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NTA3fQ.c2lnbmF0dXJl
             */
            acceptance_token: string;
            /**
             * @description PERSONAL_DATA_AUTH token, from GET /v1/acceptance, after the buyer was shown and accepted the document behind its permalink (Habeas Data)
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NDc0fQ.c2lnbmF0dXJl
             */
            accept_personal_auth: string;
            /**
             * @example CARD
             * @enum {string}
             */
            type: "CARD" | "NEQUI" | "DAVIPLATA" | "BANCOLOMBIA_TRANSFER";
            /**
             * @description The Wompi token the buyer produced in the browser: CARD `tok_…` (POST /tokens/cards), NEQUI `nequi_…` once APPROVED in the Nequi app, DAVIPLATA `daviplata_…` once its OTP is validated, BANCOLOMBIA_TRANSFER the approved token id
             * @example tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E
             */
            token: string;
            /**
             * @description BANCOLOMBIA_TRANSFER only (required there): what the buyer sees at the bank
             * @example Suscripción mensual
             */
            payment_description?: string;
        };
        PaymentSourceResponse: {
            /**
             * Format: uuid
             * @description our id: use it with this API
             * @example 5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b
             */
            id: string;
            /**
             * @description Wompi's id: send it as `payment_source_id` to POST /v1/transactions (null only while UNKNOWN)
             * @example 3891
             */
            wompi_payment_source_id: number | null;
            /**
             * @example NEQUI
             * @enum {string}
             */
            type: "CARD" | "NEQUI" | "DAVIPLATA" | "BANCOLOMBIA_TRANSFER";
            /**
             * @description Wompi's status (AVAILABLE: chargeable; PENDING: not yet, e.g. 3DS; VOIDED: never again), or ours: UNKNOWN when Wompi's answer to the create was lost
             * @example AVAILABLE
             */
            status: string;
            /**
             * @description Wompi's public_data, read from Wompi (never stored here)
             * @example {
             *       "type": "NEQUI",
             *       "phone_number": "3991111111"
             *     }
             */
            public_data: {
                [key: string]: unknown;
            } | null;
            /** @example buyer@example.com */
            customer_email: string;
            /** @example 2026-03-01T12:00:00.000Z */
            created_at: string;
        };
        VoidPaymentSourceDto: Record<string, never>;
        CreatePaymentLinkDto: {
            /** @example Camiseta talla M */
            name: string;
            /** @example Camiseta de algodón, talla M, envío incluido */
            description: string;
            /**
             * @description true: the link can be paid once; false: reusable
             * @example true
             */
            single_use: boolean;
            /**
             * @description ask the payer for a shipping address
             * @default false
             * @example false
             */
            collect_shipping: boolean;
            /**
             * @default COP
             * @example COP
             * @enum {string}
             */
            currency: "COP";
            /**
             * @description fixed amount in cents; absent or null = the payer chooses the amount
             * @example 5000000
             */
            amount_in_cents?: number | null;
            /**
             * @description after this instant (UTC) the link should not be paid; a payment made after it is still recorded, flagged EXPIRED
             * @example 2026-12-31T23:59:59.000Z
             */
            expires_at?: string;
            /**
             * @description where Wompi sends the payer after paying (with `?id=<wompi transaction id>`)
             * @example https://shop.example.co/payments/return
             */
            redirect_url?: string;
            /** @example CAM-M-001 */
            sku?: string;
            /**
             * @description yours, copied into every payment made through the link (and its events)
             * @example {
             *       "order_id": "A-1001"
             *     }
             */
            metadata?: Record<string, never>;
        };
        PaymentLinkResponse: {
            /**
             * Format: uuid
             * @description our id: use it with this API; payments made through the link carry it as `payment_link_id`
             * @example 7d1e3c5b-2a4f-4e6b-9c8d-0f1a2b3c4d5e
             */
            id: string;
            /**
             * @description Wompi's id (null only while UNKNOWN)
             * @example test_Ab12Cd
             */
            wompi_payment_link_id: string | null;
            /**
             * @description the page to share with the buyer (WhatsApp, Instagram…)
             * @example https://checkout.wompi.co/l/test_Ab12Cd
             */
            checkout_url: string | null;
            /**
             * @description UNKNOWN: Wompi's answer to the create was lost; the link is never shared
             * @example ACTIVE
             * @enum {string}
             */
            status: "ACTIVE" | "INACTIVE" | "UNKNOWN";
            /** @example true */
            active: boolean;
            /** @example Camiseta talla M */
            name: string;
            /** @example Camiseta de algodón, talla M, envío incluido */
            description: string;
            /** @example true */
            single_use: boolean;
            /** @example false */
            collect_shipping: boolean;
            /**
             * @description null: the payer chooses
             * @example 5000000
             */
            amount_in_cents: number | null;
            /** @example COP */
            currency: string;
            /** @example 2026-12-31T23:59:59.000Z */
            expires_at: string | null;
            /** @example https://shop.example.co/gracias */
            redirect_url: string | null;
            /** @example CAM-M-001 */
            sku: string | null;
            /**
             * @example {
             *       "order_id": "A-1001"
             *     }
             */
            metadata: {
                [key: string]: unknown;
            };
            /**
             * @description when it was deactivated through this API
             * @example null
             */
            deactivated_at: string | null;
            /** @example 2026-03-01T12:00:00.000Z */
            created_at: string;
        };
        PaymentLinkPage: {
            data: components["schemas"]["PaymentLinkResponse"][];
            /** @description pass as `cursor` for the next page; null on the last page */
            next_cursor: string | null;
        };
        UpdatePaymentLinkDto: {
            /**
             * @description false deactivates the link: Wompi stops taking payments on it. A deactivated link is not reactivated here.
             * @example false
             * @enum {boolean}
             */
            active: false;
        };
        ExternalTransactionResponse: {
            /**
             * Format: uuid
             * @example 2c9d6a1e-4b7f-4e0a-9c3d-5f1e2a3b4c5d
             */
            id: string;
            /** @example 15113-1755396264-52249 */
            wompi_transaction_id: string;
            /**
             * @description Wompi's reference (none of ours)
             * @example test_VPOS_a1B2c3_1755396264_Xy7kLm2Q
             */
            reference: string;
            /** @example 5000000 */
            amount_in_cents: number;
            /** @example COP */
            currency: string;
            /**
             * @description Wompi's status as last reported
             * @example APPROVED
             * @enum {string}
             */
            status: "PENDING" | "APPROVED" | "DECLINED" | "VOIDED" | "ERROR";
            /** @example CARD */
            payment_method_type: string | null;
            /**
             * @description a Wompi payment link that is not one of ours (made in the dashboard)
             * @example test_VPOS_a1B2c3
             */
            wompi_payment_link_id: string | null;
            /**
             * Format: uuid
             * @description the payment EXTERNAL_PAYMENTS_OWNER claimed it as; null: nobody owns it and nothing is fulfilled
             * @example null
             */
            payment_id: string | null;
            /** @example 2026-03-01T12:00:00.000Z */
            first_seen_at: string;
            /** @example 2026-03-01T12:00:03.000Z */
            last_status_at: string;
        };
        ExternalTransactionPage: {
            data: components["schemas"]["ExternalTransactionResponse"][];
            /** @description pass as `cursor` for the next page; null on the last page */
            next_cursor: string | null;
        };
        CardMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "CARD";
            /**
             * @description Wompi card token (tokenised in the browser; card numbers never reach this service)
             * @example tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E
             */
            token: string;
            /** @example 1 */
            installments: number;
        };
        NequiMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "NEQUI";
            /**
             * @description 10-digit Colombian mobile number
             * @example 3991111111
             */
            phone_number: string;
        };
        PseMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "PSE";
            /**
             * @description 0 natural person, 1 legal entity
             * @example 0
             * @enum {number}
             */
            user_type: 0 | 1;
            /**
             * @example CC
             * @enum {string}
             */
            user_legal_id_type: "RC" | "TI" | "CC" | "TE" | "CE" | "NIT" | "PP" | "DNI";
            /** @example 1999888777 */
            user_legal_id: string;
            /**
             * @description a code from GET /pse/financial_institutions (sandbox: "1" approves, "2" declines, "3" errors)
             * @example 1
             */
            financial_institution_code: string;
            /** @example Order 1234 */
            payment_description: string;
            /**
             * @description payer's IP address
             * @example 190.24.1.10
             */
            reference_one?: string;
            /**
             * @description date, yyyymmdd
             * @example 20260301
             */
            reference_two?: string;
            /**
             * @description beneficiary's document
             * @example 1999888777
             */
            reference_three?: string;
        };
        BancolombiaTransferMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "BANCOLOMBIA_TRANSFER";
            /**
             * @example PERSON
             * @enum {string}
             */
            user_type: "PERSON";
            /** @example Order 1234 */
            payment_description: string;
            /** @example https://shop.example.co/orders/1234 */
            ecommerce_url?: string;
            /**
             * @description sandbox only: the outcome to simulate
             * @enum {string}
             */
            sandbox_status?: "APPROVED" | "DECLINED" | "ERROR";
        };
        BancolombiaQrMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "BANCOLOMBIA_QR";
            /** @example Order 1234 */
            payment_description: string;
            /**
             * @description sandbox only: the outcome to simulate
             * @enum {string}
             */
            sandbox_status?: "APPROVED" | "DECLINED" | "ERROR";
        };
        BancolombiaCollectMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "BANCOLOMBIA_COLLECT";
            /**
             * @description sandbox only: the outcome to simulate
             * @enum {string}
             */
            sandbox_status?: "APPROVED" | "DECLINED" | "ERROR";
        };
        DaviplataMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "DAVIPLATA";
            /**
             * @example CC
             * @enum {string}
             */
            user_legal_id_type: "CC" | "CE" | "NIT" | "PP" | "TI";
            /** @example 1999888777 */
            user_legal_id: string;
            /** @example Order 1234 */
            payment_description: string;
        };
        PcolMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "PCOL";
            /**
             * @description sandbox only: the outcome to simulate
             * @enum {string}
             */
            sandbox_status?: "APPROVED_ONLY_POINTS" | "APPROVED_HALF_POINTS" | "DECLINED" | "ERROR";
        };
        BancolombiaBnplMethodDto: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "BANCOLOMBIA_BNPL";
            /**
             * @description the buyer's first name(s)
             * @example Juana
             */
            name: string;
            /**
             * @description the buyer's last name(s)
             * @example Pérez
             */
            last_name: string;
            /**
             * @example CC
             * @enum {string}
             */
            user_legal_id_type: "CC" | "CE" | "NIT" | "PP" | "TI";
            /** @example 1999888777 */
            user_legal_id: string;
            /**
             * @description 10-digit Colombian mobile number, without the country code
             * @example 3001234567
             */
            phone_number: string;
            /**
             * @description country calling code; "+57" when absent
             * @default +57
             * @enum {string}
             */
            phone_code: "+57";
            /** @example Order 1234 */
            payment_description: string;
            /**
             * @description where Bancolombia sends the buyer back; the transaction's redirect_url when absent
             * @example https://shop.example.co/payments/return
             */
            redirect_url?: string;
            /**
             * @description sandbox only: the outcome to simulate
             * @enum {string}
             */
            sandbox_status?: "APPROVED" | "DECLINED" | "ERROR";
        };
        PaymentMethodDto: {
            /**
             * @example CARD
             * @enum {string}
             */
            type: "CARD" | "NEQUI" | "PSE" | "BANCOLOMBIA_TRANSFER" | "BANCOLOMBIA_QR" | "BANCOLOMBIA_COLLECT" | "DAVIPLATA" | "PCOL" | "BANCOLOMBIA_BNPL";
        };
        CustomerDataDto: {
            /** @example +573001234567 */
            phone_number?: string;
            /** @example Juana Pérez */
            full_name: string;
            /** @example 1999888777 */
            legal_id?: string;
            /**
             * @example CC
             * @enum {string}
             */
            legal_id_type?: "CC" | "NIT" | "PP" | "CE" | "TI" | "DNI" | "RG" | "OTHER";
        };
        ShippingAddressDto: {
            /** @example Calle 34 # 56 - 78 */
            address_line_1: string;
            /** @example Apartamento 502, Torre I */
            address_line_2?: string;
            /**
             * @description ISO 3166-1 alpha-2
             * @example CO
             */
            country: string;
            /** @example Cundinamarca */
            region: string;
            /** @example Bogotá */
            city: string;
            /** @example Juana Pérez */
            name?: string;
            /** @example 573001234567 */
            phone_number: string;
            /** @example 111111 */
            postal_code?: string;
        };
        CreateTransactionDto: {
            /** @example buyer@example.com */
            customer_email: string;
            /**
             * @description END_USER_POLICY token, from GET /v1/acceptance, after the buyer was shown and accepted the document behind its permalink (Habeas Data)
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NTA3fQ.c2lnbmF0dXJl
             */
            acceptance_token: string;
            /**
             * @description PERSONAL_DATA_AUTH token, from GET /v1/acceptance, after the buyer was shown and accepted the document behind its permalink (Habeas Data)
             * @example eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NDc0fQ.c2lnbmF0dXJl
             */
            accept_personal_auth: string;
            /**
             * @description How the buyer pays (exactly one of payment_method or payment_source_id)
             * @example {
             *       "type": "CARD",
             *       "token": "tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E",
             *       "installments": 1
             *     }
             */
            payment_method?: components["schemas"]["PaymentMethodDto"] & (components["schemas"]["CardMethodDto"] | components["schemas"]["NequiMethodDto"] | components["schemas"]["PseMethodDto"] | components["schemas"]["BancolombiaTransferMethodDto"] | components["schemas"]["BancolombiaQrMethodDto"] | components["schemas"]["BancolombiaCollectMethodDto"] | components["schemas"]["DaviplataMethodDto"] | components["schemas"]["PcolMethodDto"] | components["schemas"]["BancolombiaBnplMethodDto"]);
            /**
             * @description A Wompi payment source (saved card, Nequi…) instead of payment_method
             * @example 3891
             */
            payment_source_id?: number;
            /**
             * @description Installments when charging a CARD payment source
             * @example 1
             */
            installments?: number;
            /**
             * @description Integer cents; Wompi minimum COP 1,500, and BANCOLOMBIA_BNPL at least 10000000 (COP 100,000)
             * @example 2490000
             */
            amount_in_cents: number;
            /**
             * @example COP
             * @enum {string}
             */
            currency: "COP";
            /**
             * @description Your unique reference (letters, digits, - and _). When absent one is derived from your Idempotency-Key, so a retry never pays twice.
             * @example order-1234
             */
            reference?: string;
            /**
             * @description Where Wompi sends the buyer afterwards (with ?id=<wompi transaction id>)
             * @example https://shop.example.co/payments/return
             */
            redirect_url?: string;
            /**
             * @description ISO 8601 UTC instant (…Z), in the future, after which Wompi refuses the payment; it enters the signature
             * @example 2026-12-31T23:59:59.000Z
             */
            expiration_time?: string;
            customer_data?: components["schemas"]["CustomerDataDto"];
            shipping_address?: components["schemas"]["ShippingAddressDto"];
            /**
             * @description Yours (order id and such), stored and echoed; at most 8192 bytes as JSON
             * @example {
             *       "order_id": "A-1001"
             *     }
             */
            metadata?: Record<string, never>;
        };
        AttemptResponse: {
            /** @example 12345-1668624561-38705 */
            wompi_transaction_id: Record<string, never> | null;
            /**
             * @description Wompi's status of this transaction (EXPIRED is only ever the payment's)
             * @example APPROVED
             * @enum {string}
             */
            status: "PENDING" | "UNKNOWN" | "APPROVED" | "DECLINED" | "ERROR" | "VOIDED";
            /** @example null */
            status_message: Record<string, never> | null;
            /** @example CARD */
            payment_method_type: Record<string, never> | null;
            /** @example 2026-03-01T12:00:00.000Z */
            created_at: string;
            /** @example 2026-03-01T12:00:02.000Z */
            finalized_at: Record<string, never> | null;
        };
        TransactionResponse: {
            /**
             * Format: uuid
             * @example 8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a
             */
            id: string;
            /**
             * @description your own reference (unique among your payments)
             * @example order-1234
             */
            reference: string;
            /**
             * @description the reference Wompi knows (its dashboard, its events): derived from your caller name and reference; equal to `reference` for payments made before per-caller references
             * @example order-1234-5f0c2a9be1d47c3a86f2e190
             */
            wompi_reference: string;
            /**
             * @description PAYMENT_LINK: a buyer paid one of your payment links (`reference` and `wompi_reference` are the one Wompi generated); EXTERNAL: a Wompi transaction with a reference this service never issued, claimed by EXTERNAL_PAYMENTS_OWNER
             * @example TRANSACTION
             * @enum {string}
             */
            kind: "TRANSACTION" | "CHECKOUT" | "PAYMENT_LINK" | "EXTERNAL";
            /**
             * Format: uuid
             * @description the payment link (GET /v1/payment-links/:id) this payment came from
             * @example null
             */
            payment_link_id: string | null;
            /**
             * @description set when the buyer paid a link that had expired or been deactivated: the money moved and the payment is recorded, but look at it
             * @example null
             * @enum {string|null}
             */
            payment_link_flag: "EXPIRED" | "DEACTIVATED" | null;
            /**
             * @description UNKNOWN: Wompi did not answer the create in time; the service resolves it by reference (never re-posts) and the status follows. EXPIRED: ours, not Wompi's — still PENDING at Wompi past its payment method's horizon (PENDING_HORIZONS), or a checkout session nobody paid by its expiration; a later approval at Wompi still moves it to APPROVED (docs/buyer-retry-and-horizons.md)
             * @example PENDING
             * @enum {string}
             */
            status: "PENDING" | "UNKNOWN" | "APPROVED" | "DECLINED" | "ERROR" | "VOIDED" | "EXPIRED";
            /** @example null */
            status_message: Record<string, never> | null;
            /** @example 2490000 */
            amount_in_cents: number;
            /** @example COP */
            currency: string;
            /** @example PSE */
            payment_method_type: Record<string, never> | null;
            /** @example 12345-1668624561-38705 */
            wompi_transaction_id: Record<string, never> | null;
            /**
             * @description send the buyer here (PSE bank, Bancolombia transfer, PCOL)
             * @example https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561
             */
            async_payment_url: Record<string, never> | null;
            /**
             * @description every method extra the buyer needs: async_payment_url, qr_id/qr_image (Bancolombia QR), business_agreement_code/payment_intention_identifier (collect), url/url_services (Daviplata)…
             * @example {
             *       "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561"
             *     }
             */
            next_action: {
                [key: string]: unknown;
            } | null;
            /** @example buyer@example.com */
            customer_email: Record<string, never> | null;
            /** @example https://shop.example.co/payments/return */
            redirect_url: Record<string, never> | null;
            /** @example null */
            expiration_time: Record<string, never> | null;
            /**
             * @example {
             *       "order_id": "ord_1234"
             *     }
             */
            metadata: {
                [key: string]: unknown;
            };
            /** @example 2026-03-01T12:00:00.000Z */
            created_at: string;
            /** @example 2026-03-01T12:00:00.500Z */
            updated_at: string;
            /** @example null */
            finalized_at: Record<string, never> | null;
            /**
             * Format: date-time
             * @description a checkout or payment-link payment that is DECLINED/ERROR: until this instant the buyer may still retry under the same reference, and transaction.declined/error is published only then (not at all if a retry is approved first). Null otherwise.
             * @example null
             */
            retryable_until: Record<string, never> | null;
            /** @description the Wompi transactions of this payment (a buyer retry makes several); single reads only */
            attempts?: components["schemas"]["AttemptResponse"][];
        };
        TransactionListResponse: {
            data: components["schemas"]["TransactionResponse"][];
            /**
             * @description pass as `cursor` for the next page; null on the last page
             * @example null
             */
            next_cursor: Record<string, never> | null;
        };
        ConfirmTransactionDto: {
            /**
             * @description The `id` query parameter Wompi appended to your redirect_url
             * @example 12345-1668624561-38705
             */
            wompi_transaction_id: string;
        };
        VoidTransactionDto: Record<string, never>;
        CheckoutCustomerDataDto: {
            /** @example buyer@example.com */
            email?: string;
            /** @example Juana Pérez */
            full_name?: string;
            /**
             * @description National number, without the prefix
             * @example 3001234567
             */
            phone_number?: string;
            /** @example +57 */
            phone_number_prefix?: string;
            /** @example 1999888777 */
            legal_id?: string;
            /**
             * @example CC
             * @enum {string}
             */
            legal_id_type?: "CC" | "NIT" | "PP" | "CE" | "TI" | "DNI" | "RG" | "OTHER";
        };
        CreateCheckoutSessionDto: {
            /**
             * @description Integer cents, fixed and signed server-side; Wompi minimum COP 1,500
             * @example 2490000
             */
            amount_in_cents: number;
            /**
             * @example COP
             * @enum {string}
             */
            currency: "COP";
            /**
             * @description Your unique reference (letters, digits, - and _). When absent one is derived from your Idempotency-Key.
             * @example order-1234
             */
            reference?: string;
            /**
             * @description Where Wompi sends the buyer afterwards (with ?id=<wompi transaction id>); https, or http for localhost
             * @example https://shop.example.co/payments/return
             */
            redirect_url?: string;
            /**
             * @description ISO 8601 UTC instant (…Z), in the future, after which Wompi refuses the payment; it enters the signature
             * @example 2026-12-31T23:59:59.000Z
             */
            expiration_time?: string;
            customer_data?: components["schemas"]["CheckoutCustomerDataDto"];
            /**
             * @description Yours (order id and such); stored and echoed, also in events. At most 8 KiB as JSON.
             * @example {
             *       "order_id": "A-1001"
             *     }
             */
            metadata?: Record<string, never>;
        };
        CheckoutSignature: {
            /**
             * @description SHA-256 hex of wompi_reference + amount_in_cents + currency [+ expiration_time] + integrity secret
             * @example 37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5
             */
            integrity: string;
        };
        CheckoutCustomerData: {
            /** @example buyer@example.com */
            email?: string;
            /** @example Juana Pérez */
            full_name?: string;
            /** @example 3001234567 */
            phone_number?: string;
            /** @example +57 */
            phone_number_prefix?: string;
            /** @example 1999888777 */
            legal_id?: string;
            /** @example CC */
            legal_id_type?: string;
        };
        CheckoutSessionResponse: {
            /**
             * @description Our payment id (GET /v1/transactions/:id)
             * @example 3f2b9c1e-8d4a-4b7e-9c61-2a8d4e7f1b90
             */
            id: string;
            /**
             * @description your own reference (unique among your payments)
             * @example order-1234
             */
            reference: string;
            /**
             * @description the reference Wompi sees (checkout URL, Widget, integrity signature): derived from your caller name and reference
             * @example order-1234-5f0c2a9be1d47c3a86f2e190
             */
            wompi_reference: string;
            /** @example 2490000 */
            amount_in_cents: number;
            /**
             * @example COP
             * @enum {string}
             */
            currency: "COP";
            /**
             * @description The merchant's Wompi public key
             * @example pub_test_Q5yDA9xoKdePzhSGeVe9HAez7HgGORGf
             */
            public_key: string;
            signature: components["schemas"]["CheckoutSignature"];
            /** @example https://shop.example.co/payments/return */
            redirect_url: string | null;
            /** @example 2026-12-31T23:59:59.000Z */
            expiration_time: string | null;
            customer_data: components["schemas"]["CheckoutCustomerData"] | null;
            /**
             * @description Wompi Web Checkout URL with every parameter, ready to redirect the buyer to
             * @example https://checkout.wompi.co/p/?public-key=pub_test_Q5yDA9xoKdePzhSGeVe9HAez7HgGORGf&currency=COP&amount-in-cents=2490000&reference=order-1234&signature%3Aintegrity=37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5&redirect-url=https%3A%2F%2Fshop.example.co%2Fpayments%2Freturn
             */
            checkout_url: string;
            /**
             * @description The Widget's `data-*` attributes for `<script src="https://checkout.wompi.co/widget.js" …>`
             * @example {
             *       "data-render": "button",
             *       "data-public-key": "pub_test_Q5yDA9xoKdePzhSGeVe9HAez7HgGORGf",
             *       "data-currency": "COP",
             *       "data-amount-in-cents": "2490000",
             *       "data-reference": "order-1234",
             *       "data-signature:integrity": "37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5",
             *       "data-redirect-url": "https://shop.example.co/payments/return"
             *     }
             */
            widget: Record<string, never>;
            /**
             * @example PENDING
             * @enum {string}
             */
            status: "PENDING" | "UNKNOWN" | "APPROVED" | "DECLINED" | "ERROR" | "VOIDED" | "EXPIRED";
            /**
             * @example {
             *       "order_id": "A-1001"
             *     }
             */
            metadata: Record<string, never>;
        };
        WebhookAck: {
            /** @example true */
            received: boolean;
        };
        WebhookEventResponse: {
            /**
             * Format: uuid
             * @example 3f2a9c4e-1b2d-4e5f-9a0b-7c8d6e5f4a3b
             */
            id: string;
            /**
             * @description dedupe key: redeliveries of one event share it
             * @example transaction.updated:15113-1755396264-52249:APPROVED
             */
            event_key: string;
            /** @example transaction.updated */
            event_type: string;
            /**
             * @example PROCESSED
             * @enum {string}
             */
            status: "RECEIVED" | "PROCESSED" | "IGNORED" | "FAILED" | "DEAD" | "UNCONFIRMED";
            /**
             * @description deliveries received for this event (Wompi retries, duplicates)
             * @example 1
             */
            delivery_count: number;
            /**
             * @description processing attempts
             * @example 1
             */
            attempts: number;
            /** @example null */
            last_error: Record<string, never> | null;
            /** @example 2026-03-01T12:00:02.123Z */
            received_at: string;
            /** @example 2026-03-01T12:00:02.123Z */
            last_received_at: string;
            /** @example 2026-03-01T12:00:02.130Z */
            enqueued_at: Record<string, never> | null;
            /** @example 2026-03-01T12:00:02.410Z */
            processed_at: Record<string, never> | null;
        };
        WebhookEventPage: {
            data: components["schemas"]["WebhookEventResponse"][];
            /**
             * @description pass as `cursor` for the next (older) page; null on the last page
             * @example null
             */
            next_cursor: Record<string, never> | null;
        };
        ReplayResponse: {
            event: components["schemas"]["WebhookEventResponse"];
            /**
             * @description false: the queue was unreachable; the sweeper will enqueue it
             * @example true
             */
            enqueued: boolean;
        };
        CreateReconciliationDto: {
            /**
             * @description start of the range (inclusive), by Wompi creation time; ISO 8601 with a zone
             * @example 2026-03-01T00:00:00-05:00
             */
            from: string;
            /**
             * @description end of the range (exclusive), not in the future; ISO 8601 with a zone
             * @example 2026-03-02T00:00:00-05:00
             */
            until: string;
        };
        RunCounts: {
            /**
             * @description Wompi transactions created in the range
             * @example 1250
             */
            wompi_transactions: number;
            /**
             * @description our Wompi transactions (attempts) created in the range
             * @example 1249
             */
            local_transactions: number;
            /** @example 1246 */
            matched: number;
            /**
             * @description discrepancies applied through the state machine
             * @example 2
             */
            healed: number;
            /**
             * @description discrepancies left to a person (reported)
             * @example 1
             */
            discrepancies: number;
            /**
             * @description listing pages read
             * @example 13
             */
            pages: number;
        };
        ReconciliationRunView: {
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            trigger: "daily" | "manual";
            /**
             * @description waiting: Wompi is unavailable and the run waits to resume
             * @enum {string}
             */
            status: "queued" | "running" | "waiting" | "completed" | "failed";
            /** @example 2026-03-01T05:00:00.000Z */
            from: string;
            /** @example 2026-03-02T05:00:00.000Z */
            until: string;
            /** @example ops */
            requested_by: string | null;
            /**
             * @description bumped each time a failed run is asked for again
             * @example 1
             */
            attempt: number;
            counts: components["schemas"]["RunCounts"];
            /**
             * @description ms spent waiting out Wompi outages
             * @example 0
             */
            waited_ms: number;
            error: string | null;
            created_at: string;
            started_at: string | null;
            finished_at: string | null;
        };
        ReconciliationRunPage: {
            data: components["schemas"]["ReconciliationRunView"][];
            next_cursor: string | null;
        };
        DiscrepancyView: {
            /** @example 1042 */
            id: string;
            /** Format: uuid */
            run_id: string;
            /** @enum {string} */
            kind: "unknown_reference" | "missing_at_wompi" | "status_mismatch" | "status_contradiction" | "duplicate_approval" | "amount_mismatch" | "currency_mismatch";
            /** @enum {string} */
            resolution: "healed" | "reported";
            /** @example 15113-1755396264-52249 */
            wompi_transaction_id: string;
            wompi_reference: string | null;
            /** Format: uuid */
            payment_id: string | null;
            /** @description the caller's reference of our payment */
            reference: string | null;
            our_status: string | null;
            wompi_status: string | null;
            our_amount_in_cents: number | null;
            wompi_amount_in_cents: number | null;
            our_currency: string | null;
            wompi_currency: string | null;
            detail: string;
            detected_at: string;
        };
        DiscrepancyPage: {
            data: components["schemas"]["DiscrepancyView"][];
            next_cursor: string | null;
        };
        OutboxEventView: {
            /**
             * @description outbox row id (publication order)
             * @example 1042
             */
            id: string;
            /**
             * @description the CloudEvent id (= AMQP message-id); stable across redeliveries
             * @example 3b7d2c1e-9f4a-5c2b-8d1e-6a0f4b3c2d1e
             */
            event_id: string;
            /**
             * @description event type, also the routing key
             * @example transaction.approved
             */
            type: string;
            /**
             * @description our payment id (events of one payment are published in order)
             * @example 0f8fad5b-d9cb-469f-a165-70867728950e
             */
            payment_id: string;
            /**
             * @description CloudEvent subject: the payment reference
             * @example order-2024-000123
             */
            subject: string;
            /**
             * @example DEAD
             * @enum {string}
             */
            status: "DEAD" | "PENDING" | "SENT";
            /**
             * @description publish attempts so far
             * @example 10
             */
            attempts: number;
            /**
             * @description when the relay will try it next (PENDING)
             * @example 2025-11-22T10:00:05.000Z
             */
            next_attempt_at: string;
            /** @example Error: message nacked */
            last_error: string | null;
            /** @example 2025-11-22T10:00:00.000Z */
            created_at: string;
            /** @example null */
            sent_at: string | null;
        };
        OutboxPage: {
            data: components["schemas"]["OutboxEventView"][];
            /**
             * @description pass as `cursor` for the next page; null on the last page
             * @example MTA0Mg
             */
            next_cursor: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    MetricsController_scrape: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the metrics, Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    HealthController_live: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example ok */
                        status?: string;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example error */
                        status?: string;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
    };
    HealthController_ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example ok */
                        status?: string;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example error */
                        status?: string;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
    };
    AcceptanceController_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AcceptanceResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi is unavailable (problem+json with Retry-After)
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PseBanksController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "financial_institution_code": "1",
                     *           "financial_institution_name": "Banco que aprueba"
                     *         },
                     *         {
                     *           "financial_institution_code": "2",
                     *           "financial_institution_name": "Banco que declina"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["PseBanksResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable and no list fetched in the last 24 h (problem+json with Retry-After)
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentSourcesController_create: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePaymentSourceDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b",
                     *       "wompi_payment_source_id": 3891,
                     *       "type": "NEQUI",
                     *       "status": "AVAILABLE",
                     *       "public_data": {
                     *         "type": "NEQUI",
                     *         "phone_number": "3991111111"
                     *       },
                     *       "customer_email": "buyer@example.com",
                     *       "created_at": "2026-03-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PaymentSourceResponse"];
                };
            };
            /** @description A field is invalid; `errors` names each one (e.g. `token` that does not match `type`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description GATEWAY_REJECTED: Wompi refused it (e.g. a Nequi token the buyer did not approve); nothing is kept. Or IDEMPOTENCY_KEY_MISMATCH.
             *
             *     Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH)
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/gateway-rejected",
                     *       "title": "GATEWAY_REJECTED",
                     *       "status": 422,
                     *       "detail": "Wompi rejected the request: La fuente de pago ha sido declinada",
                     *       "code": "GATEWAY_REJECTED",
                     *       "reason": "La fuente de pago ha sido declinada"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable (circuit open, rate limited): nothing was sent or kept; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT)
             *
             *     Wompi's answer was lost: the source is kept as UNKNOWN (`payment_source_id`) and never re-posted under this key; create again with a new key and fresh acceptance tokens. Wompi may hold it: charging its Wompi id (POST /v1/transactions) adopts it onto this row when Wompi's copy has the same token, type and customer email; until then it cannot be charged
             */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/gateway-timeout",
                     *       "title": "GATEWAY_TIMEOUT",
                     *       "status": 504,
                     *       "detail": "Wompi did not confirm this payment source …",
                     *       "code": "GATEWAY_TIMEOUT",
                     *       "reason": "outcome_unknown",
                     *       "payment_source_id": "5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b",
                     *       "current_status": "UNKNOWN"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentSourcesController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description our id (not Wompi's) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b",
                     *       "wompi_payment_source_id": 3891,
                     *       "type": "NEQUI",
                     *       "status": "AVAILABLE",
                     *       "public_data": {
                     *         "type": "NEQUI",
                     *         "phone_number": "3991111111"
                     *       },
                     *       "customer_email": "buyer@example.com",
                     *       "created_at": "2026-03-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PaymentSourceResponse"];
                };
            };
            /** @description id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No such payment source for your API key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentSourcesController_voidSource: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path: {
                /** @description our id (not Wompi's) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["VoidPaymentSourceDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "5f0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b",
                     *       "wompi_payment_source_id": 3891,
                     *       "type": "NEQUI",
                     *       "status": "VOIDED",
                     *       "public_data": {
                     *         "type": "NEQUI",
                     *         "phone_number": "3991111111"
                     *       },
                     *       "customer_email": "buyer@example.com",
                     *       "created_at": "2026-03-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PaymentSourceResponse"];
                };
            };
            /** @description id is not a UUID, or the body has a field (none is accepted) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No such payment source for your API key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description INVALID_STATE: Wompi never confirmed it (UNKNOWN)
             *
             *     A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/invalid-state",
                     *       "title": "INVALID_STATE",
                     *       "status": 409,
                     *       "detail": "This payment source was never confirmed by Wompi (UNKNOWN); there is nothing to void",
                     *       "code": "INVALID_STATE",
                     *       "reason": "status",
                     *       "current_status": "UNKNOWN"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentLinksController_list: {
        parameters: {
            query?: {
                /** @description Any letter case is accepted (normalised to the value shown). */
                status?: "ACTIVE" | "INACTIVE" | "UNKNOWN";
                limit?: number;
                /** @description next_cursor of the previous page (opaque) */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaymentLinkPage"];
                };
            };
            /** @description a query parameter is invalid */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentLinksController_create: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePaymentLinkDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "7d1e3c5b-2a4f-4e6b-9c8d-0f1a2b3c4d5e",
                     *       "wompi_payment_link_id": "test_Ab12Cd",
                     *       "checkout_url": "https://checkout.wompi.co/l/test_Ab12Cd",
                     *       "status": "ACTIVE",
                     *       "active": true,
                     *       "name": "Camiseta talla M",
                     *       "description": "Camiseta de algodón, talla M, envío incluido",
                     *       "single_use": true,
                     *       "collect_shipping": false,
                     *       "amount_in_cents": 5000000,
                     *       "currency": "COP",
                     *       "expires_at": "2026-12-31T23:59:59.000Z",
                     *       "redirect_url": "https://shop.example.co/gracias",
                     *       "sku": "CAM-M-001",
                     *       "metadata": {
                     *         "order_id": "A-1001"
                     *       },
                     *       "deactivated_at": null,
                     *       "created_at": "2026-03-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PaymentLinkResponse"];
                };
            };
            /** @description A field is invalid; `errors` names each one */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description IDEMPOTENCY_KEY_IN_FLIGHT
             *
             *     A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description GATEWAY_REJECTED: Wompi refused it; nothing is kept. Or IDEMPOTENCY_KEY_MISMATCH.
             *
             *     Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH)
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable (circuit open, rate limited): nothing was sent or kept; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT)
             *
             *     Wompi's answer was lost: the link is kept as UNKNOWN (never shared, never re-posted under this key); create it again with a new key
             */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentLinksController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description our id (not Wompi's) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "7d1e3c5b-2a4f-4e6b-9c8d-0f1a2b3c4d5e",
                     *       "wompi_payment_link_id": "test_Ab12Cd",
                     *       "checkout_url": "https://checkout.wompi.co/l/test_Ab12Cd",
                     *       "status": "ACTIVE",
                     *       "active": true,
                     *       "name": "Camiseta talla M",
                     *       "description": "Camiseta de algodón, talla M, envío incluido",
                     *       "single_use": true,
                     *       "collect_shipping": false,
                     *       "amount_in_cents": 5000000,
                     *       "currency": "COP",
                     *       "expires_at": "2026-12-31T23:59:59.000Z",
                     *       "redirect_url": "https://shop.example.co/gracias",
                     *       "sku": "CAM-M-001",
                     *       "metadata": {
                     *         "order_id": "A-1001"
                     *       },
                     *       "deactivated_at": null,
                     *       "created_at": "2026-03-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PaymentLinkResponse"];
                };
            };
            /** @description id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No such payment link for your API key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    PaymentLinksController_update: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path: {
                /** @description our id (not Wompi's) */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdatePaymentLinkDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "7d1e3c5b-2a4f-4e6b-9c8d-0f1a2b3c4d5e",
                     *       "wompi_payment_link_id": "test_Ab12Cd",
                     *       "checkout_url": "https://checkout.wompi.co/l/test_Ab12Cd",
                     *       "status": "INACTIVE",
                     *       "active": false,
                     *       "name": "Camiseta talla M",
                     *       "description": "Camiseta de algodón, talla M, envío incluido",
                     *       "single_use": true,
                     *       "collect_shipping": false,
                     *       "amount_in_cents": 5000000,
                     *       "currency": "COP",
                     *       "expires_at": "2026-12-31T23:59:59.000Z",
                     *       "redirect_url": "https://shop.example.co/gracias",
                     *       "sku": "CAM-M-001",
                     *       "metadata": {
                     *         "order_id": "A-1001"
                     *       },
                     *       "deactivated_at": "2026-03-02T09:00:00.000Z",
                     *       "created_at": "2026-03-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["PaymentLinkResponse"];
                };
            };
            /** @description id is not a UUID, or the body is not `{"active": false}` */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No such payment link for your API key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description INVALID_STATE: Wompi never confirmed it (UNKNOWN); or IDEMPOTENCY_KEY_IN_FLIGHT
             *
             *     A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    ExternalTransactionsController_list: {
        parameters: {
            query?: {
                /** @description Wompi's status as last reported. Any letter case is accepted (normalised to the value shown). */
                status?: "PENDING" | "APPROVED" | "DECLINED" | "VOIDED" | "ERROR";
                /** @description true: only those nobody owns (no EXTERNAL_PAYMENTS_OWNER payment) */
                unclaimed?: "true" | "false";
                limit?: number;
                /** @description next_cursor of the previous page (opaque) */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExternalTransactionPage"];
                };
            };
            /** @description a query parameter is invalid (problem+json naming it) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    ExternalTransactionsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "2c9d6a1e-4b7f-4e0a-9c3d-5f1e2a3b4c5d",
                     *       "wompi_transaction_id": "15113-1755396264-52249",
                     *       "reference": "test_VPOS_a1B2c3_1755396264_Xy7kLm2Q",
                     *       "amount_in_cents": 5000000,
                     *       "currency": "COP",
                     *       "status": "APPROVED",
                     *       "payment_method_type": "CARD",
                     *       "wompi_payment_link_id": "test_VPOS_a1B2c3",
                     *       "payment_id": null,
                     *       "first_seen_at": "2026-03-01T12:00:00.000Z",
                     *       "last_status_at": "2026-03-01T12:00:03.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ExternalTransactionResponse"];
                };
            };
            /** @description id is not a UUID (problem+json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description no external transaction has this id (problem+json) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    TransactionsController_list: {
        parameters: {
            query?: {
                reference?: string;
                /** @description Any letter case is accepted (normalised to the value shown). */
                status?: "PENDING" | "UNKNOWN" | "APPROVED" | "DECLINED" | "ERROR" | "VOIDED" | "EXPIRED";
                /** @description created at or after (ISO 8601) */
                from?: string;
                /** @description created before (ISO 8601) */
                to?: string;
                limit?: number;
                /** @description next_cursor of the previous page (opaque) */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "id": "8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a",
                     *           "reference": "order-1234",
                     *           "wompi_reference": "order-1234-5f0c2a9be1d47c3a86f2e190",
                     *           "kind": "TRANSACTION",
                     *           "payment_link_id": null,
                     *           "payment_link_flag": null,
                     *           "status": "PENDING",
                     *           "status_message": null,
                     *           "amount_in_cents": 2490000,
                     *           "currency": "COP",
                     *           "payment_method_type": "PSE",
                     *           "wompi_transaction_id": "12345-1668624561-38705",
                     *           "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561",
                     *           "next_action": {
                     *             "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561"
                     *           },
                     *           "customer_email": "buyer@example.com",
                     *           "redirect_url": "https://shop.example.co/payments/return",
                     *           "expiration_time": null,
                     *           "metadata": {
                     *             "order_id": "ord_1234"
                     *           },
                     *           "created_at": "2026-03-01T12:00:00.000Z",
                     *           "updated_at": "2026-03-01T12:00:00.450Z",
                     *           "finalized_at": null,
                     *           "retryable_until": null
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["TransactionListResponse"];
                };
            };
            /** @description A query parameter is invalid (`reference`, `status`, `from`/`to`, `limit`, `cursor`) or unknown; `errors` names it */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    TransactionsController_createTransaction: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTransactionDto"];
            };
        };
        responses: {
            /** @description Created (or the same request found its existing payment) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a",
                     *       "reference": "order-1234",
                     *       "wompi_reference": "order-1234-5f0c2a9be1d47c3a86f2e190",
                     *       "kind": "TRANSACTION",
                     *       "payment_link_id": null,
                     *       "payment_link_flag": null,
                     *       "status": "PENDING",
                     *       "status_message": null,
                     *       "amount_in_cents": 2490000,
                     *       "currency": "COP",
                     *       "payment_method_type": "PSE",
                     *       "wompi_transaction_id": "12345-1668624561-38705",
                     *       "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561",
                     *       "next_action": {
                     *         "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561"
                     *       },
                     *       "customer_email": "buyer@example.com",
                     *       "redirect_url": "https://shop.example.co/payments/return",
                     *       "expiration_time": null,
                     *       "metadata": {
                     *         "order_id": "ord_1234"
                     *       },
                     *       "created_at": "2026-03-01T12:00:00.000Z",
                     *       "updated_at": "2026-03-01T12:00:00.450Z",
                     *       "finalized_at": null,
                     *       "retryable_until": null
                     *     }
                     */
                    "application/json": components["schemas"]["TransactionResponse"];
                };
            };
            /** @description A field is invalid; `errors` names each dotted field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description REFERENCE_IN_USE: the reference belongs to another of your payments; or the Idempotency-Key is in flight
             *
             *     A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description GATEWAY_REJECTED: Wompi refused it (its field messages in `errors`, or its `reason`); nothing is kept. Or IDEMPOTENCY_KEY_MISMATCH.
             *
             *     Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH)
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/gateway-rejected",
                     *       "title": "GATEWAY_REJECTED",
                     *       "status": 422,
                     *       "detail": "Wompi rejected the request as invalid",
                     *       "code": "GATEWAY_REJECTED",
                     *       "errors": {
                     *         "acceptance_token": [
                     *           "El token de aceptación ya fue usado"
                     *         ]
                     *       }
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable (circuit open, rate limited): nothing was sent or kept; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    TransactionsController_confirm: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConfirmTransactionDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a",
                     *       "reference": "order-1234",
                     *       "wompi_reference": "order-1234-5f0c2a9be1d47c3a86f2e190",
                     *       "kind": "TRANSACTION",
                     *       "payment_link_id": null,
                     *       "payment_link_flag": null,
                     *       "status": "APPROVED",
                     *       "status_message": null,
                     *       "amount_in_cents": 2490000,
                     *       "currency": "COP",
                     *       "payment_method_type": "PSE",
                     *       "wompi_transaction_id": "12345-1668624561-38705",
                     *       "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561",
                     *       "next_action": {
                     *         "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561"
                     *       },
                     *       "customer_email": "buyer@example.com",
                     *       "redirect_url": "https://shop.example.co/payments/return",
                     *       "expiration_time": null,
                     *       "metadata": {
                     *         "order_id": "ord_1234"
                     *       },
                     *       "created_at": "2026-03-01T12:00:00.000Z",
                     *       "updated_at": "2026-03-01T12:00:00.450Z",
                     *       "finalized_at": "2026-03-01T12:01:10.000Z",
                     *       "retryable_until": null
                     *     }
                     */
                    "application/json": components["schemas"]["TransactionResponse"];
                };
            };
            /** @description `wompi_transaction_id` missing or not a Wompi transaction id, or another field sent; `errors` names it */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/validation-failed",
                     *       "title": "VALIDATION_FAILED",
                     *       "status": 400,
                     *       "detail": "The request has invalid fields",
                     *       "code": "VALIDATION_FAILED",
                     *       "errors": {
                     *         "wompi_transaction_id": [
                     *           "wompi_transaction_id must be a Wompi transaction id"
                     *         ]
                     *       }
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Unknown at Wompi, or its reference is not one of your payments */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description AMOUNT_MISMATCH: Wompi reports another amount or currency; refused, recorded and alerted */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable (circuit open, rate limited), or our database unreachable: nothing was confirmed; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    TransactionsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a",
                     *       "reference": "order-1234",
                     *       "wompi_reference": "order-1234-5f0c2a9be1d47c3a86f2e190",
                     *       "kind": "TRANSACTION",
                     *       "payment_link_id": null,
                     *       "payment_link_flag": null,
                     *       "status": "PENDING",
                     *       "status_message": null,
                     *       "amount_in_cents": 2490000,
                     *       "currency": "COP",
                     *       "payment_method_type": "PSE",
                     *       "wompi_transaction_id": "12345-1668624561-38705",
                     *       "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561",
                     *       "next_action": {
                     *         "async_payment_url": "https://sandbox.wompi.co/v1/payment_methods/redirect/pse?ticket_id=123451668624561"
                     *       },
                     *       "customer_email": "buyer@example.com",
                     *       "redirect_url": "https://shop.example.co/payments/return",
                     *       "expiration_time": null,
                     *       "metadata": {
                     *         "order_id": "ord_1234"
                     *       },
                     *       "created_at": "2026-03-01T12:00:00.000Z",
                     *       "updated_at": "2026-03-01T12:00:00.450Z",
                     *       "finalized_at": null,
                     *       "retryable_until": null,
                     *       "attempts": [
                     *         {
                     *           "wompi_transaction_id": "12345-1668624561-38705",
                     *           "status": "PENDING",
                     *           "status_message": null,
                     *           "payment_method_type": "PSE",
                     *           "created_at": "2026-03-01T12:00:00.000Z",
                     *           "finalized_at": null
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["TransactionResponse"];
                };
            };
            /** @description id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No such payment for your API key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    TransactionsController_voidTransaction: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["VoidTransactionDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "8a3c5d0e-6f1b-4b8e-9a47-3c2d1e0f9b8a",
                     *       "reference": "order-1234",
                     *       "wompi_reference": "order-1234-5f0c2a9be1d47c3a86f2e190",
                     *       "kind": "TRANSACTION",
                     *       "payment_link_id": null,
                     *       "payment_link_flag": null,
                     *       "status": "APPROVED",
                     *       "status_message": null,
                     *       "amount_in_cents": 2490000,
                     *       "currency": "COP",
                     *       "payment_method_type": "CARD",
                     *       "wompi_transaction_id": "12345-1668624561-38705",
                     *       "async_payment_url": null,
                     *       "next_action": null,
                     *       "customer_email": "buyer@example.com",
                     *       "redirect_url": "https://shop.example.co/payments/return",
                     *       "expiration_time": null,
                     *       "metadata": {
                     *         "order_id": "ord_1234"
                     *       },
                     *       "created_at": "2026-03-01T12:00:00.000Z",
                     *       "updated_at": "2026-03-01T12:00:00.450Z",
                     *       "finalized_at": null,
                     *       "retryable_until": null
                     *     }
                     */
                    "application/json": components["schemas"]["TransactionResponse"];
                };
            };
            /** @description A body field was sent (`amount_in_cents` or any other); `errors` names it */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/validation-failed",
                     *       "title": "VALIDATION_FAILED",
                     *       "status": 400,
                     *       "detail": "The request has invalid fields",
                     *       "code": "VALIDATION_FAILED",
                     *       "errors": {
                     *         "amount_in_cents": [
                     *           "amount_in_cents is not supported: Wompi partial voids are unconfirmed, so only full voids are offered; send an empty body or {}"
                     *         ]
                     *       }
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No such payment for your API key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description INVALID_STATE: not APPROVED, or not a card payment (`reason`: status | payment_method)
             *
             *     A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://payments.internal/problems/invalid-state",
                     *       "title": "INVALID_STATE",
                     *       "status": 409,
                     *       "detail": "Only APPROVED payments can be voided; this one is DECLINED",
                     *       "code": "INVALID_STATE",
                     *       "reason": "status",
                     *       "current_status": "DECLINED"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi refused our credentials (GATEWAY_AUTH_FAILED) or answered something unexpected (GATEWAY_BAD_RESPONSE); `error_id` identifies it in our logs */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description Wompi is unavailable: breaker open, too many calls in flight, or it kept failing (GATEWAY_UNAVAILABLE); or Postgres/Redis is unreachable (DEPENDENCY_UNAVAILABLE). Retry after Retry-After seconds
             *
             *     Wompi unavailable (circuit open, rate limited), or our database unreachable; see Retry-After
             */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Wompi did not answer within WOMPI_TIMEOUT_MS (GATEWAY_TIMEOUT) */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    CheckoutSessionsController_create: {
        parameters: {
            query?: never;
            header: {
                /** @description Unique per logical operation (1–255 chars, e.g. a UUID), scoped to your API key and kept at least 24 h. Same key + same body → the stored first response again with `Idempotent-Replayed: true`; same key + other body → 422; while the first request runs → 409. */
                "Idempotency-Key": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateCheckoutSessionDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckoutSessionResponse"];
                };
            };
            /** @description Invalid fields, missing Idempotency-Key, or card data in the body (problem+json naming each field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /**
             * @description The reference is used by another payment, or a request with this Idempotency-Key is still in flight
             *
             *     A request with this Idempotency-Key is still in flight (problem+json, code IDEMPOTENCY_KEY_IN_FLIGHT)
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Idempotency-Key reused with a different request (code IDEMPOTENCY_KEY_MISMATCH) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Our database is unreachable (problem+json, DEPENDENCY_UNAVAILABLE): nothing was recorded; see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    WompiWebhookController_receive: {
        parameters: {
            query?: never;
            header?: {
                /** @description the checksum, when the body carries none */
                "X-Event-Checksum"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description stored durably (or already stored) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookAck"];
                };
            };
            /** @description malformed JSON or a missing/invalid envelope field (problem+json naming the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description checksum does not verify, wrong environment, or timestamp far in the future (problem+json with `reason`) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description body over 256 KiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description this address sent more than RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN deliveries that failed verification in a minute (RATE_LIMITED, with Retry-After); a delivery that verifies is never throttled */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description the inbox (Postgres) is unreachable; Wompi retries */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    WebhookEventsController_list: {
        parameters: {
            query?: {
                /** @description Any letter case is accepted (normalised to the value shown). */
                status?: "RECEIVED" | "PROCESSED" | "IGNORED" | "FAILED" | "DEAD" | "UNCONFIRMED";
                limit?: number;
                /** @description next_cursor of the previous page (opaque) */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEventPage"];
                };
            };
            /** @description A path or query parameter is invalid (VALIDATION_FAILED); `errors` names each one */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    WebhookEventsController_replay: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description inbox event id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReplayResponse"];
                };
            };
            /** @description id is not a UUID (problem+json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description no inbox event has this id */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    ReconciliationController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReconciliationRunPage"];
                };
            };
            /** @description limit or cursor not valid (problem+json naming the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    ReconciliationController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateReconciliationDto"];
            };
        };
        responses: {
            /** @description the run of this range already exists (queued, running, waiting or completed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReconciliationRunView"];
                };
            };
            /** @description queued (new, or a failed run queued again) */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReconciliationRunView"];
                };
            };
            /** @description from/until missing, without a zone, not ordered, in the future or too long (problem+json naming the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    ReconciliationController_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description `text/csv` for the discrepancies as CSV (finance export, every row); otherwise JSON */
                Accept?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description JSON: the run; text/csv: every discrepancy of the run (see docs/reconciliation.md for the columns) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReconciliationRunView"];
                    "text/csv": components["schemas"]["ReconciliationRunView"];
                };
            };
            /** @description id is not a UUID (problem+json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description no such run (problem+json) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    ReconciliationController_discrepancies: {
        parameters: {
            query?: {
                /** @description Any letter case is accepted (normalised to the value shown). */
                kind?: "unknown_reference" | "missing_at_wompi" | "status_mismatch" | "status_contradiction" | "duplicate_approval" | "amount_mismatch" | "currency_mismatch";
                /** @description healed: applied through the state machine; reported: left to a person. Any letter case is accepted (normalised to the value shown). */
                resolution?: "healed" | "reported";
                /** @description JSON only; the CSV has every row */
                limit?: number;
                /** @description `next_cursor` of the previous page (JSON only) */
                cursor?: string;
            };
            header?: {
                /** @description `text/csv` for the discrepancies as CSV (finance export, every row); otherwise JSON */
                Accept?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DiscrepancyPage"];
                    "text/csv": components["schemas"]["DiscrepancyPage"];
                };
            };
            /** @description id, kind, resolution, limit or cursor not valid (problem+json naming the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description no such run (problem+json) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    OutboxController_list: {
        parameters: {
            query: {
                /** @description which rows: parked (DEAD), waiting (PENDING) or published (SENT). Any letter case is accepted (normalised to the value shown). */
                status: "DEAD" | "PENDING" | "SENT";
                limit?: number;
                /** @description opaque: `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OutboxPage"];
                };
            };
            /** @description A path or query parameter is invalid (VALIDATION_FAILED); `errors` names each one */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
    OutboxController_retry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description outbox row id (digits, 1..9223372036854775807) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OutboxEventView"];
                };
            };
            /** @description id is not an outbox row id (digits, 1..2^63-1) (problem+json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description No API key, or not one of INTERNAL_API_KEYS (UNAUTHENTICATED) */
            401: {
                headers: {
                    /** @description RFC 6750 challenge: `Bearer realm="payments"`, with `error="invalid_token"` when the key sent is not ours */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The API key is valid but its caller is not named in OPERATOR_CALLERS (FORBIDDEN); with OPERATOR_CALLERS unset nobody may call this route */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description no such outbox event (problem+json) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description the event is not DEAD (problem+json) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description The body is larger than 64 KiB (PAYLOAD_TOO_LARGE) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A body was sent that is not application/json (charset utf-8 or none; `application/*+json` is refused too) (UNSUPPORTED_MEDIA_TYPE; `errors` names `Content-Type`) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description Rate limited (RATE_LIMITED): this caller spent its RATE_LIMIT_INTERNAL_PER_MIN budget, or this address sent more than RATE_LIMIT_UNAUTHENTICATED_PER_MIN refused keys; `scope` says which. Retry after Retry-After seconds */
            429: {
                headers: {
                    /** @description seconds until the budget resets */
                    "Retry-After"?: number;
                    /** @description requests allowed in the one-minute window */
                    "RateLimit-Limit"?: number;
                    /** @description requests left in the current window */
                    "RateLimit-Remaining"?: number;
                    /** @description seconds until the window resets */
                    "RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
            /** @description A dependency (Postgres, Redis) is unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["ProblemResponse"];
                };
            };
        };
    };
}
