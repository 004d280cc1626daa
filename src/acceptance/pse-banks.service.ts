import { Injectable, Logger } from '@nestjs/common';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { PseFinancialInstitution } from '../wompi/wompi.types';

/** Banks change rarely; ten minutes keeps the PSE form off Wompi's path almost always. */
export const PSE_BANKS_TTL_MS = 10 * 60_000;
/** When Wompi fails after the TTL, a list up to this old is still better than no PSE form. */
export const PSE_BANKS_STALE_MAX_MS = 24 * 3_600_000;

interface Cached {
  banks: PseFinancialInstitution[];
  fetchedAt: number;
}

/**
 * Wompi's PSE bank list, held in memory per process. One fetch at a time (concurrent callers
 * share it); failures are never cached; a list past its TTL is served only when Wompi fails,
 * and only up to PSE_BANKS_STALE_MAX_MS.
 */
@Injectable()
export class PseBanks {
  private readonly logger = new Logger('PseBanks');
  private cached: Cached | undefined;
  private inFlight: Promise<PseFinancialInstitution[]> | undefined;

  constructor(
    private readonly gateway: WompiGateway,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<PseFinancialInstitution[]> {
    const c = this.cached;
    if (c && this.now() - c.fetchedAt < PSE_BANKS_TTL_MS) return c.banks;
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetch(): Promise<PseFinancialInstitution[]> {
    try {
      const banks = await this.gateway.getPseFinancialInstitutions();
      this.cached = { banks, fetchedAt: this.now() };
      return banks;
    } catch (err) {
      const c = this.cached;
      if (!c || this.now() - c.fetchedAt >= PSE_BANKS_STALE_MAX_MS) throw err;
      this.logger.warn(
        { age_ms: this.now() - c.fetchedAt, error: (err as Error)?.message },
        'Wompi PSE bank list unavailable; serving the last one',
      );
      return c.banks;
    }
  }
}
