import { Reflector } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { ApiKeyGuard, bearerChallenge } from './api-key.guard';

describe('ApiKeyGuard.authenticate', () => {
  const guard = new ApiKeyGuard(
    {
      apiKeys: [
        { name: 'orders', key: 'k-orders-0123456789' },
        { name: 'billing', key: 'k-billing-0123456789' },
      ],
    } as AppConfig,
    new Reflector(),
  );

  it('names the caller for a known key', () => {
    expect(guard.authenticate('Bearer k-orders-0123456789')).toEqual({ name: 'orders' });
    expect(guard.authenticate('bearer k-billing-0123456789')).toEqual({ name: 'billing' });
  });

  it('refuses unknown, partial, missing and malformed credentials', () => {
    expect(guard.authenticate(undefined)).toBeUndefined();
    expect(guard.authenticate('Bearer k-orders-012345678')).toBeUndefined();
    expect(guard.authenticate('Bearer k-orders-0123456789x')).toBeUndefined();
    expect(guard.authenticate('Basic k-orders-0123456789')).toBeUndefined();
    expect(guard.authenticate('k-orders-0123456789')).toBeUndefined();
  });
});

describe('bearerChallenge (RFC 6750 §3)', () => {
  it('is the bare challenge without credentials, invalid_token for a wrong bearer key, invalid_request otherwise', () => {
    expect(bearerChallenge(undefined)).toBe('Bearer realm="payments"');
    expect(bearerChallenge('')).toBe('Bearer realm="payments"');
    expect(bearerChallenge('Bearer wrong-key-0123456789')).toBe('Bearer realm="payments", error="invalid_token"');
    expect(bearerChallenge('bearer wrong')).toBe('Bearer realm="payments", error="invalid_token"');
    expect(bearerChallenge('Basic dXNlcjpwYXNz')).toBe('Bearer realm="payments", error="invalid_request"');
    expect(bearerChallenge('Bearer')).toBe('Bearer realm="payments", error="invalid_request"');
  });
});
