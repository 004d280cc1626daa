import { isIP } from 'node:net';
import type { RateLimitConfig, TrustProxy } from './app-config';
import type { EnvReader } from './env-reader';

/**
 * Production defaults: far above what a legitimate internal caller sends (hundreds of requests
 * a second is 1,000/s at most over a minute), far below what a brute force needs.
 */
export const RATE_LIMIT_DEFAULTS = {
  internalPerMin: 60_000,
  unauthenticatedPerMin: 60,
  webhookUnverifiedPerMin: 60,
} as const;
/**
 * NODE_ENV=test: the limits stay wired but out of reach of suites, benchmarks and fuzzers that
 * send thousands of requests; a test of the limits sets its own small ones.
 */
export const RATE_LIMIT_TEST_DEFAULTS = {
  internalPerMin: 10_000_000,
  unauthenticatedPerMin: 1_000_000,
  webhookUnverifiedPerMin: 1_000_000,
} as const;

const NAMED_SUBNETS = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_SUBNETS.includes(entry)) return true;
  const [addr, prefix, ...rest] = entry.split('/');
  const family = isIP(addr);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: which peers may tell us the client's address in X-Forwarded-For. Unset or
 * `false`: nobody (the socket address is the client). A hop count (`1`: the ingress
 * controller in front of us) or, better, the proxies' addresses/CIDRs. `true` (trust any peer)
 * is refused: every client could then pick its own address and walk past the per-address limits.
 */
export function parseTrustProxy(r: EnvReader): TrustProxy {
  const v = r.raw('TRUST_PROXY');
  if (v === undefined || /^(false|no|off|0)$/i.test(v)) return false;
  if (/^(true|yes|on)$/i.test(v)) {
    r.problem(
      'TRUST_PROXY=true would let any client choose its address; name the hop count (e.g. 1) or the proxy CIDRs (e.g. 10.0.0.0/8)',
    );
    return false;
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) r.problem('TRUST_PROXY hop count must be between 0 and 10');
    return hops > 10 ? false : hops;
  }
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (bad.length) {
    r.problem(
      `TRUST_PROXY must be false, a hop count, or a comma-separated list of IP addresses, CIDRs or ${NAMED_SUBNETS.join('/')} (not understood: ${bad.length} entr${bad.length > 1 ? 'ies' : 'y'})`,
    );
    return false;
  }
  return entries;
}

export function loadRateLimits(r: EnvReader, nodeEnv: string, redisUrl: string | undefined): RateLimitConfig {
  const d = nodeEnv === 'test' ? RATE_LIMIT_TEST_DEFAULTS : RATE_LIMIT_DEFAULTS;
  const store = r.oneOf('RATE_LIMIT_STORE', ['memory', 'redis'] as const, 'memory');
  const ownUrl = r.raw('RATE_LIMIT_REDIS_URL');
  r.url('RATE_LIMIT_REDIS_URL', ownUrl, ['redis:', 'rediss:']);
  const storeUrl = ownUrl ?? redisUrl;
  if (store === 'redis' && !storeUrl) r.problem('RATE_LIMIT_STORE=redis needs RATE_LIMIT_REDIS_URL or REDIS_URL');
  return {
    enabled: r.bool('RATE_LIMIT_ENABLED', true),
    store,
    redisUrl: store === 'redis' ? storeUrl : undefined,
    internalPerMin: r.int('RATE_LIMIT_INTERNAL_PER_MIN', d.internalPerMin, 1, 100_000_000),
    unauthenticatedPerMin: r.int('RATE_LIMIT_UNAUTHENTICATED_PER_MIN', d.unauthenticatedPerMin, 1, 100_000_000),
    webhookUnverifiedPerMin: r.int('RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN', d.webhookUnverifiedPerMin, 1, 100_000_000),
  };
}
