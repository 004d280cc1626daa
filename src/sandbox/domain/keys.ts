import { alnum } from './ids';

export interface SandboxKeys {
  publicKey: string;
  privateKey: string;
  integritySecret: string;
  eventsSecret: string;
}

/** Fresh sandbox merchant keys: Wompi's test prefixes followed by 32 alphanumerics. */
export function generateSandboxKeys(): SandboxKeys {
  return {
    publicKey: `pub_test_${alnum(32)}`,
    privateKey: `prv_test_${alnum(32)}`,
    integritySecret: `test_integrity_${alnum(32)}`,
    eventsSecret: `test_events_${alnum(32)}`,
  };
}

/** Shape Wompi accepts in `/merchants/{public_key}`; anything else is 422 "Formato inválido". */
export const PUBLIC_KEY_FORMAT = /^pub_(test|prod|stagtest)_[A-Za-z0-9]{8,64}$/;
