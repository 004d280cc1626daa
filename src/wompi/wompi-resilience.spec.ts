import { WompiConfig } from '../config/app-config';
import { AttemptFailure, MAX_HONOURED_RETRY_AFTER_MS, buildPolicies, networkErrorCode } from './wompi-resilience';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

describe('networkErrorCode: which network errors prove the request was never sent', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s → never sent',
    (code) => {
      expect(networkErrorCode(fetchFailed({ code }))).toEqual({ code, neverSent: true });
    },
  );

  it.each(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ETIMEDOUT'])('%s → may have been sent', (code) => {
    expect(networkErrorCode(fetchFailed({ code }))).toEqual({ code, neverSent: false });
  });

  it('an AggregateError (happy eyeballs) is never-sent only when every attempt was refused', () => {
    const refusedTwice = Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }]), {
      code: 'ECONNREFUSED',
    });
    expect(networkErrorCode(fetchFailed(refusedTwice))).toEqual({ code: 'ECONNREFUSED', neverSent: true });
    const mixed = new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'ECONNRESET' }]);
    expect(networkErrorCode(fetchFailed(mixed)).neverSent).toBe(false);
  });

  it('an error without a code may have been sent', () => {
    expect(networkErrorCode(new Error('weird'))).toEqual({ code: 'UNKNOWN', neverSent: false });
  });
});

describe('retry policy built from the config', () => {
  const cfg = (over: Partial<WompiConfig> = {}): WompiConfig => ({
    baseUrl: 'http://x',
    environment: 'test',
    publicKey: 'p',
    privateKey: 'k',
    integritySecret: 'i',
    eventsSecrets: ['e'],
    checkoutUrl: 'c',
    timeoutMs: 1000,
    breakerThreshold: 5,
    breakerCooldownMs: 1000,
    maxConcurrent: 4,
    retryAttempts: 3,
    retryBaseDelayMs: 40,
    verifyApprovedByFetch: true,
    ...over,
  });

  async function run(c: WompiConfig, failure: () => Error): Promise<{ tries: number; delays: number[] }> {
    const { retry } = buildPolicies(c);
    const delays: number[] = [];
    retry.onRetry(({ delay }) => delays.push(delay));
    let tries = 0;
    await retry
      .execute(() => {
        tries++;
        throw failure();
      })
      .catch(() => undefined);
    return { tries, delays };
  }

  it('makes at most retryAttempts tries, with full-jitter exponential waits below base, 2×base, …', async () => {
    for (let i = 0; i < 20; i++) {
      const { tries, delays } = await run(
        cfg({ retryBaseDelayMs: 4, retryAttempts: 4 }),
        () => new AttemptFailure('server_error', '503', { retryable: true }),
      );
      expect(tries).toBe(4);
      expect(delays).toHaveLength(3);
      delays.forEach((d, n) => {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(4 * 2 ** n);
      });
    }
  });

  it('never waits less than Retry-After', async () => {
    const { delays } = await run(
      cfg({ retryBaseDelayMs: 1, retryAttempts: 2 }),
      () => new AttemptFailure('rate_limited', '429', { retryAfterMs: 60, retryable: true }),
    );
    expect(delays).toEqual([60]);
  });

  it('does not retry what is not retryable, nor a Retry-After beyond the cap', async () => {
    expect((await run(cfg(), () => new AttemptFailure('timeout', 't', { retryable: false }))).tries).toBe(1);
    expect(
      (
        await run(
          cfg(),
          () =>
            new AttemptFailure('rate_limited', '429', {
              retryAfterMs: MAX_HONOURED_RETRY_AFTER_MS + 1,
              retryable: true,
            }),
        )
      ).tries,
    ).toBe(1);
    expect((await run(cfg(), () => new Error('a bug'))).tries).toBe(1);
  });
});
