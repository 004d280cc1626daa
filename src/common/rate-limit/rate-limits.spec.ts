import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics';
import { DomainError } from '../errors/domain-error';
import { RateLimits } from './rate-limits';

const config = {
  queuePrefix: 'unit',
  rateLimits: {
    enabled: true,
    store: 'memory',
    redisUrl: undefined,
    internalPerMin: 2,
    unauthenticatedPerMin: 2,
    webhookUnverifiedPerMin: 1,
  },
} as AppConfig;

function fakeRes(): Response & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  return {
    headers,
    headersSent: false,
    setHeader: (k: string, v: string) => (headers[k] = v),
  } as unknown as Response & { headers: Record<string, string> };
}
const req = { ip: '192.0.2.1' } as Request;

describe('RateLimits', () => {
  it('counts a budget per key and tells how much is left and when it resets', async () => {
    const limits = new RateLimits(config, new Metrics(false));
    expect(await limits.take('internal', 'orders')).toMatchObject({
      allowed: true,
      budget: { limit: 2, remaining: 1 },
    });
    expect(await limits.take('internal', 'orders')).toMatchObject({ allowed: true, budget: { remaining: 0 } });
    const refused = await limits.take('internal', 'orders');
    expect(refused).toMatchObject({ allowed: false, budget: { limit: 2, remaining: 0 } });
    expect(refused.budget!.resetS).toBeGreaterThanOrEqual(1);
    expect(refused.budget!.resetS).toBeLessThanOrEqual(60);
    expect(await limits.take('internal', 'billing')).toMatchObject({ allowed: true });
  });

  it('lets the request through when the store fails (never blocks or fails a request)', async () => {
    const limits = new RateLimits(config, new Metrics(false));
    (limits as unknown as { limiters: Record<string, { consume: () => Promise<never> }> }).limiters.internal.consume =
      () => Promise.reject(new Error('ECONNREFUSED'));
    expect(await limits.take('internal', 'orders')).toEqual({ allowed: true });
  });

  it('webhook: only refusals (4xx) spend the budget; past it they become 429, anything else passes unchanged', async () => {
    const metrics = new Metrics(false);
    const limits = new RateLimits(config, metrics);
    const outage = new DomainError('DEPENDENCY_UNAVAILABLE', 'db down');
    expect(await limits.refusedDelivery(req, fakeRes(), outage)).toBe(outage);
    const bad = new DomainError('INVALID_SIGNATURE', 'bad checksum');
    expect(await limits.refusedDelivery(req, fakeRes(), bad)).toBe(bad);
    const res = fakeRes();
    const throttled = await limits.refusedDelivery(req, res, new DomainError('MALFORMED_EVENT', 'bad envelope'));
    expect(throttled).toBeInstanceOf(DomainError);
    expect(throttled).toMatchObject({ code: 'RATE_LIMITED', extra: { scope: 'webhook_unverified' } });
    expect(res.headers['RateLimit-Remaining']).toBe('0');
    expect(await limits.refusedDelivery(req, fakeRes(), outage)).toBe(outage);
    expect(await limits.refusedDelivery({ ip: '192.0.2.2' } as Request, fakeRes(), bad)).toBe(bad);
    expect((await metrics.rateLimited.get()).values).toEqual([{ labels: { scope: 'webhook_unverified' }, value: 1 }]);
  });
});
