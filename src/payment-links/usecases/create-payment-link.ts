import { Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { WompiGateway } from '../../wompi/wompi-gateway.port';
import {
  GatewayAuthError,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayUnavailable,
  GatewayValidationError,
} from '../../wompi/wompi.errors';
import { CreatePaymentLinkInput, WompiPaymentLink } from '../../wompi/wompi.types';
import { CreatePaymentLinkDto } from '../dto/payment-link.dto';
import { PaymentLinkEntity } from '../payment-link.entity';
import { PaymentLinkView } from '../payment-link.view';
import { ReadPaymentLinks } from './read-payment-links';

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
  return driver?.code === '23505' && driver.constraint === 'uq_payment_links_caller_key';
}

/**
 * POST /v1/payment-links, shaped like a payment source create: (a) the row records the intent
 * (CREATING, keyed by caller + Idempotency-Key); (b) POST /payment_links at Wompi with the
 * private key, no database transaction open; (c) the row takes Wompi's id. A refusal deletes
 * the intent; a lost answer leaves it UNKNOWN (Wompi offers no search for links, so it is never
 * re-posted under the same key; a link Wompi made for it is never shared, so nobody pays it).
 */
@Injectable()
export class CreatePaymentLink {
  private readonly logger = new Logger('CreatePaymentLink');
  /** a CREATING row younger than this may still have its create in flight */
  private readonly inFlightGraceMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
    private readonly reader: ReadPaymentLinks,
    config: AppConfig,
  ) {
    this.inFlightGraceMs = Math.max(60_000, 3 * config.wompi.timeoutMs);
  }

  async execute(caller: string, idempotencyKey: string, dto: CreatePaymentLinkDto): Promise<PaymentLinkView> {
    const existing = await this.repo().findOne({ where: { caller, idempotencyKey } });
    if (existing) return this.again(existing, dto);
    let row: PaymentLinkEntity;
    try {
      row = await this.repo().save(this.repo().create(this.intent(caller, idempotencyKey, dto)));
    } catch (err) {
      const winner = isKeyTaken(err) ? await this.repo().findOne({ where: { caller, idempotencyKey } }) : null;
      if (!winner) throw err;
      return this.again(winner, dto);
    }
    let link: WompiPaymentLink;
    try {
      link = await this.gateway.createPaymentLink(this.wompiInput(dto));
    } catch (err) {
      if (isDefinitiveRefusal(err)) {
        await this.repo().delete({ id: row.id });
        throw err;
      }
      await this.repo().update({ id: row.id, status: 'CREATING' }, { status: 'UNKNOWN' });
      this.logger.warn(
        { payment_link_id: row.id, error: (err as Error)?.message },
        'payment link create outcome unknown; kept as UNKNOWN',
      );
      throw this.unknownOutcome(row.id, 'GATEWAY_TIMEOUT');
    }
    const status = link.active ? 'ACTIVE' : 'INACTIVE';
    await this.repo().update({ id: row.id }, { wompiPaymentLinkId: link.id, status });
    this.logger.log(
      {
        payment_link_id: row.id,
        wompi_payment_link_id: link.id,
        single_use: row.singleUse,
        amount_in_cents: row.amountInCents,
      },
      'payment link created',
    );
    return this.reader.view({ ...row, wompiPaymentLinkId: link.id, status });
  }

  private intent(caller: string, idempotencyKey: string, dto: CreatePaymentLinkDto): Partial<PaymentLinkEntity> {
    return {
      caller,
      idempotencyKey,
      status: 'CREATING',
      wompiPaymentLinkId: null,
      name: dto.name,
      description: dto.description,
      singleUse: dto.single_use,
      collectShipping: dto.collect_shipping ?? false,
      amountInCents: dto.amount_in_cents ?? null,
      currency: 'COP',
      expiresAt: dto.expires_at ? new Date(dto.expires_at) : null,
      redirectUrl: dto.redirect_url ?? null,
      sku: dto.sku ?? null,
      metadata: dto.metadata ?? {},
    };
  }

  /** The same key again after its idempotency record was released or purged: the row it made answers. */
  private async again(row: PaymentLinkEntity, dto: CreatePaymentLinkDto): Promise<PaymentLinkView> {
    if (
      row.name !== dto.name ||
      row.singleUse !== dto.single_use ||
      (row.amountInCents ?? null) !== (dto.amount_in_cents ?? null)
    ) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_MISMATCH',
        'This Idempotency-Key already created a different payment link; use a new key for a new operation',
      );
    }
    if (row.wompiPaymentLinkId !== null) return this.reader.view(row);
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
      'Wompi did not confirm this payment link and links cannot be searched there, so it is not sent again under this Idempotency-Key. Create it again with a new Idempotency-Key.',
      undefined,
      { reason: 'outcome_unknown', payment_link_id: id, current_status: 'UNKNOWN' },
    );
  }

  private wompiInput(dto: CreatePaymentLinkDto): CreatePaymentLinkInput {
    return {
      name: dto.name,
      description: dto.description,
      single_use: dto.single_use,
      collect_shipping: dto.collect_shipping ?? false,
      currency: 'COP',
      ...(dto.amount_in_cents !== undefined && dto.amount_in_cents !== null
        ? { amount_in_cents: dto.amount_in_cents }
        : {}),
      ...(dto.expires_at !== undefined ? { expires_at: dto.expires_at } : {}),
      ...(dto.redirect_url !== undefined ? { redirect_url: dto.redirect_url } : {}),
      ...(dto.sku !== undefined ? { sku: dto.sku } : {}),
    };
  }

  private repo() {
    return this.dataSource.getRepository(PaymentLinkEntity);
  }
}
