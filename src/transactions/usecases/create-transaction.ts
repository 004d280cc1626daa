import { Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { PaymentSourceOwnership } from '../../payment-sources/payment-source-ownership';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import {
  GatewayAuthError,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayUnavailable,
  GatewayValidationError,
} from '../../wompi/wompi.errors';
import { CreateTransactionInput, PaymentMethodInput, WompiTransaction } from '../../wompi/wompi.types';
import { CreateTransactionDto } from '../dto/create-transaction.dto';
import { ConsentEntity } from '../entities/consent.entity';
import { PaymentAttemptEntity } from '../entities/payment-attempt.entity';
import { PaymentStatusHistoryEntity } from '../entities/payment-status-history.entity';
import { PaymentEntity } from '../entities/payment.entity';
import { PaymentStateService } from '../payment-state.service';
import { consentEvidence } from '../consent-evidence';
import { referenceFor, wompiReferenceFor } from '../references';
import { isFinal } from '../state-machine';
import { TransactionView, toTransactionView } from '../transaction.view';
import { AsyncPaymentUrlFetcher, answerLacksAsyncUrl } from './async-payment-url';
import { PaymentResolver } from './resolve-payment';
import { Metrics } from '../../metrics/metrics';
import { recordCreated } from '../../metrics/payment-metrics';
import { inSpan } from '../../tracing/trace-context';

type Intent = { kind: 'new' | 'existing'; payment: PaymentEntity };

/** Wompi answered and refused: nothing was created there, so nothing may stay here. */
function isDefinitiveRefusal(err: unknown): boolean {
  return (
    err instanceof GatewayValidationError ||
    err instanceof GatewayBusinessRejection ||
    err instanceof GatewayUnavailable ||
    err instanceof GatewayAuthError ||
    err instanceof GatewayNotFound
  );
}

function isReferenceTaken(err: unknown): boolean {
  const driver =
    err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : undefined;
  return (
    driver?.code === '23505' &&
    (driver.constraint === 'uq_payments_caller_reference' || driver.constraint === 'uq_payments_wompi_reference')
  );
}

/**
 * POST /v1/transactions. Never a database transaction open across the Wompi call:
 * (a) record the intent (payment PENDING + an UNKNOWN attempt without Wompi id + consent
 * evidence) in one short transaction; (b) create at Wompi; (c) apply Wompi's answer through
 * the state machine. A refusal deletes the intent; an ambiguous outcome makes the payment
 * UNKNOWN and is resolved by reference — the create is never sent twice.
 */
@Injectable()
export class CreateTransaction {
  private readonly logger = new Logger('CreateTransaction');
  /** an intent younger than this may still have its create in flight */
  private readonly inFlightGraceMs: number;
  /** Wompi's answer may lack `async_payment_url` until a later GET (docs/wompi.md#payment-methods) */
  private readonly asyncUrl: AsyncPaymentUrlFetcher;

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly state: PaymentStateService,
    private readonly resolver: PaymentResolver,
    private readonly sources: PaymentSourceOwnership,
    config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.inFlightGraceMs = Math.max(60_000, 3 * config.wompi.timeoutMs);
    this.asyncUrl = new AsyncPaymentUrlFetcher(gateway, state, config.asyncUrlWaitMs);
  }

  /** One `payment.create` span (method and outcome, never buyer data); counts the payments it creates. */
  execute(caller: string, idempotencyKey: string, dto: CreateTransactionDto): Promise<TransactionView> {
    return inSpan(
      'payment.create',
      {
        attributes: {
          'payment.method':
            dto.payment_method?.type ?? (dto.payment_source_id !== undefined ? 'payment_source' : 'none'),
        },
      },
      async (span) => {
        const view = await this.create(caller, idempotencyKey, dto);
        span.setAttributes({ 'payment.id': view.id, 'payment.status': view.status });
        return view;
      },
    );
  }

  private async create(caller: string, idempotencyKey: string, dto: CreateTransactionDto): Promise<TransactionView> {
    // only a source this caller created through POST /v1/payment-sources may be charged (404 otherwise)
    const sourceType =
      dto.payment_source_id !== undefined ? await this.sources.assertChargeable(caller, dto.payment_source_id) : null;
    const reference = dto.reference ?? referenceFor(caller, idempotencyKey);
    const intent = await this.recordIntent(caller, reference, dto);
    if (intent.kind === 'existing') return this.resume(intent.payment, caller, dto, sourceType);
    const view = await this.submit(intent.payment, dto, false, sourceType);
    recordCreated(this.metrics, view.payment_method_type, view.status);
    return view;
  }

  private async recordIntent(caller: string, reference: string, dto: CreateTransactionDto): Promise<Intent> {
    const existing = await this.dataSource.getRepository(PaymentEntity).findOne({ where: { caller, reference } });
    if (existing) return this.sameRequest(existing, caller, dto);
    try {
      const payment = await this.dataSource.transaction(async (m) => {
        const p = await m.getRepository(PaymentEntity).save(
          m.getRepository(PaymentEntity).create({
            reference,
            wompiReference: wompiReferenceFor(caller, reference),
            caller,
            kind: 'TRANSACTION',
            status: 'PENDING',
            amountInCents: dto.amount_in_cents,
            currency: dto.currency,
            paymentMethodType: dto.payment_method?.type ?? null,
            customerEmail: dto.customer_email,
            redirectUrl: dto.redirect_url ?? null,
            expirationTime: dto.expiration_time ? new Date(dto.expiration_time) : null,
            metadata: dto.metadata ?? {},
          }),
        );
        await m.getRepository(PaymentAttemptEntity).insert({
          paymentId: p.id,
          wompiTransactionId: null,
          status: 'UNKNOWN',
          paymentMethodType: p.paymentMethodType,
          amountInCents: p.amountInCents,
        });
        await m.getRepository(PaymentStatusHistoryEntity).insert({
          paymentId: p.id,
          attemptId: null,
          wompiTransactionId: null,
          fromStatus: null,
          toStatus: 'PENDING',
          source: 'api',
          detail: { event: 'created' },
        });
        await this.recordConsent(m.getRepository(ConsentEntity), p.id, caller, dto);
        return p;
      });
      return { kind: 'new', payment };
    } catch (err) {
      if (!isReferenceTaken(err)) throw err;
      const winner = await this.dataSource.getRepository(PaymentEntity).findOne({ where: { caller, reference } });
      if (!winner) throw err;
      return this.sameRequest(winner, caller, dto);
    }
  }

  private recordConsent(repo: Repository<ConsentEntity>, paymentId: string, caller: string, dto: CreateTransactionDto) {
    return repo.insert({ paymentId, ...consentEvidence(caller, dto.acceptance_token, dto.accept_personal_auth) });
  }

  /** The reference is taken: the same request again (resume it) or a conflict naming `reference`. */
  private sameRequest(p: PaymentEntity, caller: string, dto: CreateTransactionDto): Intent {
    const same =
      p.caller === caller &&
      p.kind === 'TRANSACTION' &&
      Number(p.amountInCents) === dto.amount_in_cents &&
      p.currency === dto.currency &&
      p.customerEmail === dto.customer_email;
    if (!same) {
      const why = dto.reference
        ? 'is already used by another of your payments'
        : 'derived from this Idempotency-Key is already used by a different request';
      throw new DomainError('REFERENCE_IN_USE', `The reference ${why}`, { reference: [`reference ${why}`] });
    }
    return { kind: 'existing', payment: p };
  }

  /**
   * The same request found its payment (a retry whose idempotency record was lost, or the
   * caller's reference sent again). Ask Wompi before ever creating again.
   */
  private async resume(
    payment: PaymentEntity,
    caller: string,
    dto: CreateTransactionDto,
    sourceType: string | null,
  ): Promise<TransactionView> {
    this.logger.log(
      { payment_id: payment.id, reference: payment.reference, status: payment.status },
      'request matches an existing payment; resuming it',
    );
    if (!(await this.resolver.isUnresolved(payment.id))) return this.view(payment.id);
    if (payment.status === 'UNKNOWN' || isFinal(payment.status)) {
      if (payment.status === 'UNKNOWN') await this.tryResolve(payment.id);
      return this.view(payment.id);
    }
    // A PENDING intent without a Wompi id: its request died before or during the create, or is still running.
    const found = await this.gateway.findTransactionsByReference(payment.wompiReference);
    if (found.length > 0) {
      await this.resolver.applyAll(payment.id, found);
      return this.view(payment.id);
    }
    if (Date.now() - new Date(payment.createdAt).getTime() < this.inFlightGraceMs) {
      throw new DomainError(
        'REFERENCE_IN_USE',
        'A request for this reference is still being processed; retry shortly',
        { reference: ['a request for this reference is still in flight'] },
        { retry_after_seconds: 5 },
      );
    }
    await this.recordConsent(this.dataSource.getRepository(ConsentEntity), payment.id, caller, dto);
    return this.submit(payment, dto, true, sourceType);
  }

  /** `sourceType`: the charged payment source's type (null: no payment source). */
  private async submit(
    payment: PaymentEntity,
    dto: CreateTransactionDto,
    resumed: boolean,
    sourceType: string | null,
  ): Promise<TransactionView> {
    let tx: WompiTransaction;
    try {
      tx = await this.gateway.createTransaction(this.wompiInput(payment.wompiReference, dto, sourceType));
    } catch (err) {
      if (!isDefinitiveRefusal(err)) return this.ambiguous(payment, err);
      if (resumed) {
        const found = await this.gateway.findTransactionsByReference(payment.wompiReference).catch(() => []);
        if (found.length > 0) {
          await this.resolver.applyAll(payment.id, found);
          return this.view(payment.id);
        }
      }
      await this.discard(payment.id);
      throw err;
    }
    const result = await this.state.apply(tx, 'api', { paymentId: payment.id });
    if (result.outcome === 'mismatch') {
      throw new DomainError(
        'AMOUNT_MISMATCH',
        'Wompi reports a transaction that disagrees with this payment; it was refused and recorded',
      );
    }
    // PSE / Bancolombia transfer / PCOL: the buyer needs the URL now, and Wompi may show it only
    // on a later GET. Bounded (WOMPI_ASYNC_URL_WAIT_MS), after the apply's transaction has
    // committed, never failing the create. A payment-source charge is left to reads and the
    // poller: whether it has a URL depends on the source's enrolment, not on its method.
    if (dto.payment_source_id === undefined && answerLacksAsyncUrl(tx))
      await this.asyncUrl.awaitAfterCreate(payment.id, tx.id);
    return this.view(payment.id);
  }

  /** Wompi may or may not have created it: UNKNOWN, one look by reference now, then the queue. */
  private async ambiguous(payment: PaymentEntity, err: unknown): Promise<TransactionView> {
    this.logger.warn(
      { payment_id: payment.id, reference: payment.reference, error: (err as Error)?.message },
      'create outcome unknown; resolving by reference, never re-posting',
    );
    await this.dataSource.transaction(async (m) => {
      const locked = await m
        .getRepository(PaymentEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :id', { id: payment.id })
        .getOne();
      const unresolved =
        (await m.getRepository(PaymentAttemptEntity).count({ where: { paymentId: payment.id, status: 'UNKNOWN' } })) >
        0;
      if (locked && locked.status === 'PENDING' && !locked.wompiTransactionId && unresolved) {
        await this.state.recordTransition(m, locked, 'UNKNOWN', 'api', { reason: 'create_outcome_unknown' });
      }
    });
    await this.tryResolve(payment.id);
    return this.view(payment.id);
  }

  private async tryResolve(paymentId: string): Promise<void> {
    try {
      await this.resolver.resolveOnce(paymentId);
    } catch (err) {
      this.logger.warn(
        { payment_id: paymentId, error: (err as Error)?.message },
        'immediate resolution by reference failed; queued',
      );
    }
    if (await this.resolver.isUnresolved(paymentId)) await this.resolver.schedule(paymentId);
  }

  /** Deletes an intent Wompi refused (attempts, history and consent go with it). */
  private async discard(paymentId: string): Promise<void> {
    await this.dataSource.query(
      `delete from payments p where p.id = $1 and not exists (select 1 from payment_attempts a where a.payment_id = p.id and a.wompi_transaction_id is not null)`,
      [paymentId],
    );
  }

  private async view(paymentId: string): Promise<TransactionView> {
    const payment = await this.dataSource.getRepository(PaymentEntity).findOneOrFail({ where: { id: paymentId } });
    return toTransactionView(payment);
  }

  private wompiInput(reference: string, dto: CreateTransactionDto, sourceType: string | null): CreateTransactionInput {
    const input: CreateTransactionInput = {
      reference,
      amount_in_cents: dto.amount_in_cents,
      currency: 'COP',
      customer_email: dto.customer_email,
      acceptance_token: dto.acceptance_token,
      accept_personal_auth: dto.accept_personal_auth,
    };
    if (dto.payment_source_id !== undefined) {
      input.payment_source_id = dto.payment_source_id;
      // card sources need their installments in payment_method (docs/wompi.md#payment-sources): 1 unless the
      // caller chose (others may omit it); every charged source is on record, so its type is known
      const installments = dto.installments ?? (sourceType === 'CARD' ? 1 : undefined);
      if (installments !== undefined) input.payment_method = { installments } as unknown as PaymentMethodInput;
    } else if (dto.payment_method) {
      input.payment_method = plain(dto.payment_method) as PaymentMethodInput;
    }
    if (dto.redirect_url !== undefined) input.redirect_url = dto.redirect_url;
    if (dto.expiration_time !== undefined) input.expiration_time = dto.expiration_time;
    if (dto.customer_data !== undefined) input.customer_data = plain(dto.customer_data);
    if (dto.shipping_address !== undefined) input.shipping_address = plain(dto.shipping_address);
    return input;
  }
}

/** A DTO instance as a plain object without undefined members. */
function plain<T extends object>(value: T): Record<string, unknown> & T {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown> & T;
}
