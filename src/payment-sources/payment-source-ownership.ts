import { Injectable, Logger } from '@nestjs/common';
import { DataSource, In, IsNull, QueryFailedError } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { sha256Hex } from '../transactions/references';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { GatewayNotFound } from '../wompi/wompi.errors';
import { WompiPaymentSource } from '../wompi/wompi.types';
import { PaymentSourceEntity } from './payment-source.entity';

/** Rows whose create never learned Wompi's id: UNKNOWN (answer lost), or CREATING whose request died. */
const UNRESOLVED_STATUSES = ['UNKNOWN', 'CREATING'];

function notYours(): DomainError {
  return new DomainError('NOT_FOUND', 'Payment source not found for your API key', {
    payment_source_id: ['no payment source with this id belongs to your API key'],
  });
}

function isWompiIdTaken(err: unknown): boolean {
  const driver =
    err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : undefined;
  return driver?.code === '23505' && driver.constraint === 'uq_payment_sources_wompi_id';
}

/**
 * Who may charge a Wompi payment source (POST /v1/transactions with `payment_source_id`): only
 * the caller that created it through POST /v1/payment-sources, and only while it is not VOIDED.
 * Any other id — another caller's source, or one this service has no record of (made at Wompi
 * directly, or by a request whose answer was lost) — is 404 naming `payment_source_id`, the
 * same answer either way, so ids (sequential integers at Wompi) cannot be probed.
 *
 * Adoption: a source this service asked Wompi for whose answer was lost is a row of its caller
 * without a Wompi id. When that caller charges an id we have no row for, and it has such rows,
 * Wompi's `GET /payment_sources/{id}` (private key) is read once; the source is adopted onto the
 * caller's row only when it provably is that row's: same token (a token is single use; we keep
 * its SHA-256), same type and same customer email. Otherwise the answer stays 404.
 */
@Injectable()
export class PaymentSourceOwnership {
  private readonly logger = new Logger('PaymentSourceOwnership');

  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: WompiGateway,
  ) {}

  /** The source's type, when `caller` may charge it; else NOT_FOUND (404) or INVALID_STATE (409, voided). */
  async assertChargeable(caller: string, wompiPaymentSourceId: number): Promise<string> {
    const row =
      (await this.repo().findOne({ where: { wompiPaymentSourceId } })) ??
      (await this.adopt(caller, wompiPaymentSourceId));
    if (!row || row.caller !== caller) throw notYours();
    if (row.status === 'VOIDED') {
      throw new DomainError(
        'INVALID_STATE',
        'This payment source was voided and can no longer be charged',
        { payment_source_id: ['the payment source is VOIDED'] },
        {
          reason: 'payment_source_status',
          payment_source_status: row.status,
        },
      );
    }
    return row.type;
  }

  /**
   * The caller's unresolved row that Wompi's source `wompiId` provably belongs to, now carrying
   * that id and Wompi's status; null when there is none (nothing is asked of Wompi when the
   * caller has no unresolved row that could match).
   */
  private async adopt(caller: string, wompiId: number): Promise<PaymentSourceEntity | null> {
    const candidates = (
      await this.repo().find({ where: { caller, wompiPaymentSourceId: IsNull(), status: In(UNRESOLVED_STATUSES) } })
    ).filter((r) => r.tokenSha256 !== null);
    if (candidates.length === 0) return null;
    let source: WompiPaymentSource;
    try {
      source = await this.gateway.getPaymentSource(wompiId);
    } catch (err) {
      if (err instanceof GatewayNotFound) return null;
      throw err;
    }
    const row = candidates.find((r) => matches(r, source));
    if (!row) return null;
    try {
      const res = await this.repo()
        .createQueryBuilder()
        .update(PaymentSourceEntity)
        .set({ wompiPaymentSourceId: wompiId, status: source.status })
        .where('id = :id and wompi_payment_source_id is null', { id: row.id })
        .execute();
      if (res.affected !== 1) return this.repo().findOne({ where: { wompiPaymentSourceId: wompiId } });
    } catch (err) {
      // a concurrent charge adopted it first: whoever holds it now answers
      if (isWompiIdTaken(err)) return this.repo().findOne({ where: { wompiPaymentSourceId: wompiId } });
      throw err;
    }
    this.logger.log(
      { payment_source_id: row.id, wompi_payment_source_id: wompiId, type: source.type, status: source.status },
      'UNKNOWN payment source adopted: Wompi holds it with the same token, type and customer email',
    );
    row.wompiPaymentSourceId = wompiId;
    row.status = source.status;
    return row;
  }

  private repo() {
    return this.dataSource.getRepository(PaymentSourceEntity);
  }
}

/** Wompi's source is the one this row asked for: the same single-use token, type and customer email. */
function matches(row: PaymentSourceEntity, source: WompiPaymentSource): boolean {
  if (typeof source.token !== 'string' || source.token === '') return false;
  if (sha256Hex(source.token) !== row.tokenSha256) return false;
  if (source.type !== row.type) return false;
  return (
    typeof source.customer_email === 'string' &&
    source.customer_email.trim().toLowerCase() === row.customerEmail.trim().toLowerCase()
  );
}
