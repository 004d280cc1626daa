import { REDIS_RECONNECT_MAX_DELAY_MS, redisOptions, redisRetryStrategy } from './redis-options';

describe('redisOptions', () => {
  it('keeps everything the URL says', () => {
    expect(redisOptions('redis://127.0.0.1:6390')).toMatchObject({ host: '127.0.0.1', port: 6390 });
    expect(redisOptions('redis://cache')).toMatchObject({ host: 'cache', port: 6379 });
    const o = redisOptions('rediss://user:p%40ss@redis.internal:6380/3');
    expect(o).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      db: 3,
      username: 'user',
      password: 'p@ss',
      tls: { servername: 'redis.internal' },
    });
    expect(redisOptions('redis://:secret@[::1]:6379')).toMatchObject({ host: '::1', password: 'secret' });
    expect(redisOptions('redis://h').db).toBeUndefined();
  });

  it('reconnects fast and never waits longer than the bound, however long the outage', () => {
    const { retryStrategy } = redisOptions('redis://h');
    expect(retryStrategy).toBe(redisRetryStrategy);
    expect([1, 2, 3, 5].map(redisRetryStrategy)).toEqual([200, 400, 600, 1000]);
    for (const n of [10, 11, 100, 10_000]) expect(redisRetryStrategy(n)).toBe(REDIS_RECONNECT_MAX_DELAY_MS);
  });
});
