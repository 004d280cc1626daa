import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { SandboxRuntime } from '../sandbox-runtime';
import { digits } from '../domain/ids';
import { PERMALINKS } from '../domain/test-data';
import { MSG, wompiErrors } from '../domain/wompi-error';

export type AcceptanceType = keyof typeof PERMALINKS;

const CONTRACT_IDS: Record<AcceptanceType, number> = { END_USER_POLICY: 507, PERSONAL_DATA_AUTH: 474 };
const FILE_HASHES: Record<AcceptanceType, string> = {
  END_USER_POLICY: 'dc2d4e305e4d36aab8cc577b5a697851',
  PERSONAL_DATA_AUTH: '516863f0776eef760d4b99ab1bef4c78',
};
const JWT_FORMAT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
export const ACCEPTANCE_TTL_S = 3600;

interface Verified {
  jit: string;
}

/**
 * Acceptance tokens (docs/wompi.md#acceptance-tokens): HS256 JWTs with Wompi's claims, `exp` one hour ahead on
 * END_USER_POLICY (none on PERSONAL_DATA_AUTH, as observed), single use.
 */
@Injectable()
export class AcceptanceService {
  private readonly secret = randomBytes(32);

  constructor(@Inject(SandboxRuntime) private readonly rt: SandboxRuntime) {}

  async issue(type: AcceptanceType): Promise<{ acceptance_token: string; permalink: string; type: AcceptanceType }> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      contract_id: CONTRACT_IDS[type],
      permalink: PERMALINKS[type],
      file_hash: FILE_HASHES[type],
      jit: this.freshJit(now),
      email: '',
    };
    let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
    if (type === 'END_USER_POLICY') jwt = jwt.setExpirationTime(now + ACCEPTANCE_TTL_S);
    return { acceptance_token: await jwt.sign(this.secret), permalink: PERMALINKS[type], type };
  }

  /**
   * Wompi's `jit` is `<unix seconds>-<5 digits>` (docs/wompi.md#acceptance-tokens). It is also what single use is
   * tracked by, so a value already issued is drawn again rather than shared by two tokens.
   */
  private freshJit(now: number): string {
    const issued = this.rt.store.issuedAcceptance;
    let jit: string;
    do jit = `${now}-${digits(5)}`;
    while (issued.has(jit));
    issued.add(jit);
    return jit;
  }

  /** Checks one token for `field`; returns its id so the caller can consume it. */
  async check(token: unknown, type: AcceptanceType, field: string): Promise<Verified> {
    if (token === undefined || token === null || token === '') throw wompiErrors.field(field, MSG.notPresent);
    if (typeof token !== 'string' || !JWT_FORMAT.test(token)) throw wompiErrors.field(field, MSG.acceptanceFormat);
    let payload: Record<string, unknown>;
    try {
      payload = (await jwtVerify(token, this.secret, { algorithms: ['HS256'] })).payload as Record<string, unknown>;
    } catch {
      throw wompiErrors.field(field, MSG.acceptanceInvalid);
    }
    if (payload.permalink !== PERMALINKS[type] || typeof payload.jit !== 'string')
      throw wompiErrors.field(field, MSG.acceptanceInvalid);
    if (this.rt.store.usedAcceptance.has(payload.jit)) throw wompiErrors.field(field, MSG.acceptanceUsed);
    return { jit: payload.jit };
  }

  consume(...tokens: Verified[]): void {
    for (const t of tokens) this.rt.store.usedAcceptance.add(t.jit);
  }

  /**
   * Validates `acceptance_token` (required) and `accept_personal_auth` (validated when sent),
   * then consumes both: from here on any refusal (e.g. a bad signature) has used them up.
   */
  async checkAndConsume(body: Record<string, unknown>): Promise<void> {
    const tokens = [await this.check(body.acceptance_token, 'END_USER_POLICY', 'acceptance_token')];
    if (body.accept_personal_auth !== undefined) {
      tokens.push(await this.check(body.accept_personal_auth, 'PERSONAL_DATA_AUTH', 'accept_personal_auth'));
    }
    this.consume(...tokens);
  }
}
