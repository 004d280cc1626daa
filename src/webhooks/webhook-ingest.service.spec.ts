import { DomainError } from '../common/errors/domain-error';
import { classifyStoreError } from './webhook-ingest.service';

describe('classifyStoreError', () => {
  const code = (e: unknown) => (e instanceof DomainError ? e.code : 'rethrown');

  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }, 'DEPENDENCY_UNAVAILABLE'],
    [new Error('Connection terminated unexpectedly'), 'DEPENDENCY_UNAVAILABLE'],
    [new Error('timeout exceeded when trying to connect'), 'DEPENDENCY_UNAVAILABLE'],
    [
      { driverError: { code: '57P01', message: 'terminating connection due to administrator command' } },
      'DEPENDENCY_UNAVAILABLE',
    ],
    [{ driverError: { code: '53300', message: 'too many connections' } }, 'DEPENDENCY_UNAVAILABLE'],
    [{ driverError: { code: '22P05', message: 'unsupported Unicode escape sequence' } }, 'MALFORMED_EVENT'],
    [{ driverError: { code: '42P01', message: 'relation "webhook_inbox" does not exist' } }, 'rethrown'],
    [new TypeError('boom'), 'rethrown'],
  ])('%o → %s', (err, expected) => {
    expect(code(classifyStoreError(err))).toBe(expected);
  });
});
