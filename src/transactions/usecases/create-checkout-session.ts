import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DomainError } from '../../common/errors/domain-error';
import { canonicalJson, referenceForIdempotencyKey } from '../../common/idempotency/request-hash';
import { AppConfig } from '../../config/app-config';
import { integritySignature } from '../../wompi/signatures';
import { wompiReferenceFor } from '../references';
import { CreateCheckoutSessionDto } from '../dto/checkout-session.dto';
import { CheckoutSessionResponse } from '../dto/checkout-session.response';
import { PaymentStatusHistoryEntity } from '../entities/payment-status-history.entity';
import { PaymentEntity } from '../entities/payment.entity';

export interface CreateCheckoutSessionCommand {
  caller: string;
  idempotencyKey: string;
  input: CreateCheckoutSessionDto;
}

/** Web Checkout GET parameter names (docs/wompi.md#amounts-references-and-redirects), in the order the docs list them. */
const CUSTOMER_PARAMS: [keyof NonNullable<CreateCheckoutSessionDto['customer_data']>, string][] = [
  ['email', 'email'],
  ['full_name', 'full-name'],
  ['phone_number', 'phone-number'],
  ['phone_number_prefix', 'phone-number-prefix'],
  ['legal_id', 'legal-id'],
  ['legal_id_type', 'legal-id-type'],
];

/**
 * A Web Checkout / Widget session: our payment record (kind CHECKOUT, PENDING) so the webhook
 * of the buyer's widget payment finds it, plus everything the frontend needs with the amount
 * fixed and signed here — the integrity secret never leaves the service.
 *
 * The checkout URL, the Widget and the integrity signature carry the Wompi reference (derived
 * from caller + reference); the answer's `reference` is the caller's own.
 *
 * A reference the caller already used is this session again only when it is the caller's
 * PENDING checkout with the same amount, currency, expiration, redirect and metadata (a retry
 * whose idempotency record was lost); anything else is 409 naming `reference`.
 */
@Injectable()
export class CreateCheckoutSession {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async execute(cmd: CreateCheckoutSessionCommand): Promise<CheckoutSessionResponse> {
    const input = cmd.input;
    // a past expiration_time was refused by the DTO (ExpirationTimeField), as for payments
    const expiration = input.expiration_time ? new Date(input.expiration_time) : null;
    const reference = input.reference ?? referenceForIdempotencyKey(cmd.caller, cmd.idempotencyKey, 'chk');
    const wanted: Partial<PaymentEntity> = {
      reference,
      wompiReference: wompiReferenceFor(cmd.caller, reference),
      caller: cmd.caller,
      kind: 'CHECKOUT',
      status: 'PENDING',
      amountInCents: input.amount_in_cents,
      currency: input.currency,
      customerEmail: input.customer_data?.email ?? null,
      redirectUrl: input.redirect_url ?? null,
      expirationTime: expiration,
      metadata: input.metadata ?? {},
    };
    const payment = await this.dataSource.transaction((m) => this.createOrFind(m, wanted));
    return this.toResponse(payment, input);
  }

  private async createOrFind(m: EntityManager, wanted: Partial<PaymentEntity>): Promise<PaymentEntity> {
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(PaymentEntity)
      .values(wanted as QueryDeepPartialEntity<PaymentEntity>)
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (inserted.raw as { id?: string }[] | undefined)?.[0]?.id;
    if (id) {
      await m.getRepository(PaymentStatusHistoryEntity).insert({
        paymentId: id,
        attemptId: null,
        wompiTransactionId: null,
        fromStatus: null,
        toStatus: 'PENDING',
        source: 'api',
        detail: { kind: 'CHECKOUT' },
      });
      return m.getRepository(PaymentEntity).findOneByOrFail({ id });
    }
    const existing = await m
      .getRepository(PaymentEntity)
      .findOneBy({ caller: wanted.caller, reference: wanted.reference });
    if (!existing)
      throw new DomainError('REFERENCE_IN_USE', 'The payment could not be recorded; retry', {
        reference: ['conflicted with a concurrent request; retry'],
      });
    if (!this.sameSession(existing, wanted)) {
      throw new DomainError('REFERENCE_IN_USE', 'This reference is already used by another of your payments', {
        reference: ['already used by another of your payments; choose a new reference'],
      });
    }
    if (existing.status !== 'PENDING') {
      throw new DomainError(
        'REFERENCE_IN_USE',
        `The checkout with this reference is already ${existing.status}`,
        {
          reference: [
            `the checkout with this reference is already ${existing.status}; use a new reference for a new payment`,
          ],
        },
        { reason: `payment is ${existing.status}` },
      );
    }
    return existing;
  }

  private sameSession(p: PaymentEntity, w: Partial<PaymentEntity>): boolean {
    const time = (d: Date | null | undefined) => (d ? new Date(d).getTime() : null);
    return (
      p.caller === w.caller &&
      p.kind === 'CHECKOUT' &&
      Number(p.amountInCents) === w.amountInCents &&
      p.currency === w.currency &&
      p.redirectUrl === w.redirectUrl &&
      p.customerEmail === w.customerEmail &&
      time(p.expirationTime) === time(w.expirationTime) &&
      canonicalJson(p.metadata ?? {}) === canonicalJson(w.metadata ?? {})
    );
  }

  private toResponse(p: PaymentEntity, input: CreateCheckoutSessionDto): CheckoutSessionResponse {
    const w = this.config.wompi;
    const amount = Number(p.amountInCents);
    const expiration = p.expirationTime ? new Date(p.expirationTime).toISOString() : null;
    const integrity = integritySignature(
      { reference: p.wompiReference, amountInCents: amount, currency: p.currency, expirationTime: expiration },
      w.integritySecret,
    );

    const params: [string, string][] = [
      ['public-key', w.publicKey],
      ['currency', p.currency],
      ['amount-in-cents', String(amount)],
      ['reference', p.wompiReference],
      ['signature:integrity', integrity],
    ];
    if (p.redirectUrl) params.push(['redirect-url', p.redirectUrl]);
    if (expiration) params.push(['expiration-time', expiration]);
    const customer = input.customer_data;
    for (const [field, name] of CUSTOMER_PARAMS) {
      const value = customer?.[field];
      if (value !== undefined) params.push([`customer-data:${name}`, value]);
    }

    const url = new URL(w.checkoutUrl);
    for (const [k, v] of params) url.searchParams.append(k, v);
    const widget: Record<string, string> = { 'data-render': 'button' };
    for (const [k, v] of params) widget[`data-${k}`] = v;

    return {
      id: p.id,
      reference: p.reference,
      wompi_reference: p.wompiReference,
      amount_in_cents: amount,
      currency: p.currency,
      public_key: w.publicKey,
      signature: { integrity },
      redirect_url: p.redirectUrl,
      expiration_time: expiration,
      customer_data: customer ? { ...customer } : null,
      checkout_url: url.toString(),
      widget,
      status: p.status,
      metadata: p.metadata ?? {},
    };
  }
}
