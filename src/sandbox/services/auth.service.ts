import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { MSG, wompiErrors } from '../domain/wompi-error';

export type Caller = 'public' | 'private' | 'none';

/**
 * Which key each route takes (docs/wompi.md#which-key-each-endpoint-takes):
 * - `any`: public or private key required;
 * - `private`: private key; the public key gets 403 "El token no tiene suficientes permisos";
 * - `optional`: no key is fine (GET /transactions/{id}); an unknown key gets 403 as measured.
 * - `card-token`: like `any`, but an unknown public key gets the MERCHANT_NOT_FOUND 404 (docs/wompi.md#card-tokens).
 */
export type KeyRule = 'any' | 'private' | 'optional' | 'card-token';

@Injectable()
export class AuthService {
  constructor(@Inject(SandboxRuntime) private readonly rt: SandboxRuntime) {}

  authenticate(authorization: string | undefined, rule: KeyRule): Caller {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const key = m?.[1];
    if (!key) {
      if (rule === 'optional') return 'none';
      throw wompiErrors.unauthorized(MSG.noKey);
    }
    if (/^(pub|prv)_prod_/.test(key)) throw wompiErrors.unauthorized(MSG.wrongEnvironment);
    const { publicKey, privateKey } = this.rt.keys;
    const caller: Caller | undefined = key === publicKey ? 'public' : key === privateKey ? 'private' : undefined;
    if (!caller) {
      if (rule === 'optional') throw wompiErrors.forbidden();
      if (rule === 'card-token' && /^pub_test_/.test(key)) throw wompiErrors.merchantNotFound(key);
      throw wompiErrors.unauthorized(MSG.invalidKey);
    }
    if (rule === 'private' && caller !== 'private') throw wompiErrors.forbidden();
    return caller;
  }
}
