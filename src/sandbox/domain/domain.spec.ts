import { eventChecksum, integritySignature } from './signatures';
import { FaultState, parseFaults } from './faults';
import { luhnValid } from '../services/tokens.service';
import { transactionId } from './ids';

describe('sandbox domain', () => {
  it('integrity signature matches docs/wompi.md#integrity-signature vectors', () => {
    expect(
      integritySignature('sk8-438k4-xmxm392-sn2m', 2490000, 'COP', 'prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6'),
    ).toBe('37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5');
    expect(
      integritySignature(
        'sk8-438k4-xmxm392-sn2m',
        2490000,
        'COP',
        'prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6',
        '2023-06-09T20:28:50.000Z',
      ),
    ).toBe('e972f58e7de36b283fbb93d9318d39a54ffdff4e8e917b534f30d63c9d7bb89c');
    expect(
      integritySignature('ref-1755396263491', 500000, 'COP', 'stagtest_integrity_nAIBuqayW70XpUqJS4qf4STYiISd89Fp'),
    ).toBe('a262feb40143594231589cb312de3a1fddc153221424f480a05a5b922e018a22');
  });

  it('event checksum matches the docs/wompi.md#events-and-the-checksum pre-image', () => {
    const data = { transaction: { id: '1234-1610641025-49201', status: 'APPROVED', amount_in_cents: 4490000 } };
    const props = ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'];
    expect(eventChecksum(data, props, 1530291411, 'prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z')).toBe(
      '5a18ec5e8fdb7df463e9f94774cba8f583ba21bd04a09ceff2ea68a4bc0aefbe',
    );
  });

  it('Luhn', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
  });

  it('one-shot faults are consumed by matching requests only', () => {
    const f = new FaultState(
      parseFaults({
        fail_next: { count: 2, status: 503, method: 'POST', path: '/v1/transactions' },
        webhooks: { drop_next: 1 },
      }),
    );
    expect(f.takeFail('GET', '/v1/transactions')).toBeUndefined();
    expect(f.takeFail('post', '/v1/transactions/123/void')).toEqual({ status: 503, retryAfterS: 1 });
    expect(f.takeFail('POST', '/v1/transactions')).toEqual({ status: 503, retryAfterS: 1 });
    expect(f.takeFail('POST', '/v1/transactions')).toBeUndefined();
    expect(f.get().fail_next).toBeUndefined();
    expect([f.takeDrop(), f.takeDrop()]).toEqual([true, false]);
    expect(f.shouldError(() => 0)).toBe(false);
  });
});

describe('sandbox transaction ids', () => {
  it('are never issued twice, even when thousands are created in one second', () => {
    // five random digits: 30,000 in one second would repeat ~5,000 times by chance alone
    const now = new Date('2026-12-02T03:58:50Z');
    const ids = Array.from({ length: 30_000 }, () => transactionId(27050, now));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^127050-1796183930-\d{5}$/);
  });
});
