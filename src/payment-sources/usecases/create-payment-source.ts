import { Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { consentEvidence } from '../../transactions/consent-evidence';
import { ConsentEntity } from '../../transactions/entities/consent.entity';
import { sha256Hex } from '../../transactions/references';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import {
  GatewayAuthError,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayUnavailable,
  GatewayValidationError,
} from '../../wompi/wompi.errors';
import { CreatePaymentSourceInput, WompiPaymentSource } from '../../wompi/wompi.types';
import { CreatePaymentSourceDto } from '../dto/create-payment-source.dto';
import { PaymentSourceEntity } from '../payment-source.entity';
import { PaymentSourceView, toPaymentSourceView } from '../payment-source.view';
import { ReadPaymentSource } from './read-payment-source';

/** Wompi answered and refused (or provably never got it): nothing exists there, so nothing may stay here. */
function isDefinitiveRefusal(err: unknown): boolean {
  return (
    err instanceof GatewayValidationError ||
    err instanceof GatewayBusinessRejection ||
    err instanceof GatewayUnavailable ||
    err instanceof GatewayAuthError ||
    err instanceof GatewayNotFound
  );
}

function isKeyTaken(err: unknown): boolean {
  const driver =
    err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : undefined;
  return driver?.code === '23505' && driver.constraint === 'uq_payment_sources_caller_key';
}

/**
 * POST /v1/payment-sources, shaped like a payment create and never holding a database
 * transaction across the Wompi call: (a) one short transaction records the intent (the row,
 * CREATING, keyed by caller + Idempotency-Key) with its consent evidence; (b) POST
 * /payment_sources at Wompi with the private key; (c) the row takes Wompi's id and status.
 * A refusal deletes the intent (the consent row goes with it). A lost answer leaves the row
 * UNKNOWN: Wompi has no search for sources, so it is never re-posted under the same key. The
 * row keeps the token's SHA-256 (never the token) so that it can later adopt the source Wompi
 * made for it, when its owner charges that id (PaymentSourceOwnership).
 */
@Injectable()
export class CreatePaymentSource {
  private readonly logger = new Logger('CreatePaymentSource');
  /** a CREATING row younger than this may still have its create in flight */
  private readonly inFlightGraceMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly reader: ReadPaymentSource,
    config: AppConfig,
  ) {
    this.inFlightGraceMs = Math.max(60_000, 3 * config.wompi.timeoutMs);
  }

  async execute(caller: string, idempotencyKey: string, dto: CreatePaymentSourceDto): Promise<PaymentSourceView> {
    const existing = await this.repo().findOne({ where: { caller, idempotencyKey } });
    if (existing) return this.again(existing, dto);
    let row: PaymentSourceEntity;
    try {
      row = await this.recordIntent(caller, idempotencyKey, dto);
    } catch (err) {
      const winner = isKeyTaken(err) ? await this.repo().findOne({ where: { caller, idempotencyKey } }) : null;
      if (!winner) throw err;
      return this.again(winner, dto);
    }
    let source: WompiPaymentSource;
    try {
      source = await this.gateway.createPaymentSource(this.wompiInput(dto));
    } catch (err) {
      if (isDefinitiveRefusal(err)) {
        await this.repo().delete({ id: row.id });
        throw err;
      }
      await this.repo().update({ id: row.id, status: 'CREATING' }, { status: 'UNKNOWN' });
      this.logger.warn(
        { payment_source_id: row.id, error: (err as Error)?.message },
        'payment source create outcome unknown; kept as UNKNOWN',
      );
      throw this.unknownOutcome(row.id, 'GATEWAY_TIMEOUT');
    }
    await this.repo().update({ id: row.id }, { wompiPaymentSourceId: source.id, status: source.status });
    row.wompiPaymentSourceId = source.id;
    row.status = source.status;
    this.logger.log(
      { payment_source_id: row.id, wompi_payment_source_id: source.id, type: source.type, status: source.status },
      'payment source created',
    );
    return toPaymentSourceView(row, source.public_data);
  }

  private recordIntent(
    caller: string,
    idempotencyKey: string,
    dto: CreatePaymentSourceDto,
  ): Promise<PaymentSourceEntity> {
    return this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(PaymentSourceEntity);
      const row = await repo.save(
        repo.create({
          caller,
          idempotencyKey,
          type: dto.type,
          status: 'CREATING',
          customerEmail: dto.customer_email,
          tokenSha256: sha256Hex(dto.token),
          wompiPaymentSourceId: null,
        }),
      );
      await m.getRepository(ConsentEntity).insert({
        paymentId: null,
        paymentSourceId: row.id,
        ...consentEvidence(caller, dto.acceptance_token, dto.accept_personal_auth),
      });
      return row;
    });
  }

  /**
   * The same key again after its idempotency record was released (a 5xx) or purged: the row
   * it made answers, or says why it cannot.
   */
  private async again(row: PaymentSourceEntity, dto: CreatePaymentSourceDto): Promise<PaymentSourceView> {
    if (row.type !== dto.type || row.customerEmail !== dto.customer_email) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_MISMATCH',
        'This Idempotency-Key already created a different payment source; use a new key for a new operation',
      );
    }
    if (row.wompiPaymentSourceId !== null) return this.reader.refresh(row);
    if (row.status === 'CREATING' && Date.now() - new Date(row.createdAt).getTime() < this.inFlightGraceMs) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        'A request with this Idempotency-Key is still being processed; retry later',
        undefined,
        { retry_after_seconds: 5 },
      );
    }
    if (row.status === 'CREATING') await this.repo().update({ id: row.id, status: 'CREATING' }, { status: 'UNKNOWN' });
    throw this.unknownOutcome(row.id, 'INVALID_STATE');
  }

  private unknownOutcome(id: string, code: 'GATEWAY_TIMEOUT' | 'INVALID_STATE'): DomainError {
    return new DomainError(
      code,
      'Wompi did not confirm this payment source and it cannot be looked up there, so it is not sent again under this Idempotency-Key. Create it again with a new Idempotency-Key and fresh acceptance tokens.',
      undefined,
      { reason: 'outcome_unknown', payment_source_id: id, current_status: 'UNKNOWN' },
    );
  }

  private wompiInput(dto: CreatePaymentSourceDto): CreatePaymentSourceInput {
    return {
      type: dto.type,
      token: dto.token,
      customer_email: dto.customer_email,
      acceptance_token: dto.acceptance_token,
      accept_personal_auth: dto.accept_personal_auth,
      ...(dto.payment_description !== undefined ? { payment_description: dto.payment_description } : {}),
    };
  }

  private repo() {
    return this.dataSource.getRepository(PaymentSourceEntity);
  }
}
