import { createHash } from 'node:crypto';
import { computeEventChecksum, eventChecksumPreimage, integritySignature, verifyEventChecksum } from './signatures';

describe('integritySignature (docs/wompi.md#integrity-signature)', () => {
  it('matches the docs worked example', () => {
    expect(
      integritySignature(
        { reference: 'sk8-438k4-xmxm392-sn2m', amountInCents: 2490000, currency: 'COP' },
        'prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6',
      ),
    ).toBe('37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5');
  });

  it('puts expiration_time between currency and secret when set', () => {
    expect(
      integritySignature(
        {
          reference: 'sk8-438k4-xmxm392-sn2m',
          amountInCents: 2490000,
          currency: 'COP',
          expirationTime: '2023-06-09T20:28:50.000Z',
        },
        'prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6',
      ),
    ).toBe('e972f58e7de36b283fbb93d9318d39a54ffdff4e8e917b534f30d63c9d7bb89c');
  });

  it('matches the vector Wompi UAT accepted on a real PSE transaction', () => {
    expect(
      integritySignature(
        { reference: 'ref-1755396263491', amountInCents: 500000, currency: 'COP' },
        'stagtest_integrity_nAIBuqayW70XpUqJS4qf4STYiISd89Fp',
      ),
    ).toBe('a262feb40143594231589cb312de3a1fddc153221424f480a05a5b922e018a22');
  });

  it('is lowercase hex and treats a null expiration as absent', () => {
    const sig = integritySignature(
      { reference: 'r1', amountInCents: 150000, currency: 'COP', expirationTime: null },
      'test_integrity_x',
    );
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(sig).toBe(
      integritySignature({ reference: 'r1', amountInCents: 150000, currency: 'COP' }, 'test_integrity_x'),
    );
  });

  it('refuses a non-integer amount instead of signing its float rendering', () => {
    expect(() => integritySignature({ reference: 'r1', amountInCents: 1500.5, currency: 'COP' }, 's')).toThrow(
      TypeError,
    );
  });
});

describe('event checksum (docs/wompi.md#events-and-the-checksum)', () => {
  const docsSecret = 'prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z';
  const docsEvent = () => ({
    event: 'transaction.updated',
    data: {
      transaction: {
        id: '1234-1610641025-49201',
        amount_in_cents: 4490000,
        reference: 'MZQ3X2DE2SMX',
        status: 'APPROVED',
        payment_link_id: null,
      },
    },
    environment: 'prod',
    signature: {
      properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'],
      checksum: '3476DDA50F64CD7CBD160689640506FEBEA93239BC524FC0469B2C68A3CC8BD0',
    },
    timestamp: 1530291411,
    sent_at: '2018-07-20T16:45:05.000Z',
  });
  const correct = '5a18ec5e8fdb7df463e9f94774cba8f583ba21bd04a09ceff2ea68a4bc0aefbe';

  it('builds the documented pre-image and hashes it', () => {
    expect(eventChecksumPreimage(docsEvent(), docsSecret)).toBe(
      '1234-1610641025-49201APPROVED44900001530291411prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z',
    );
    expect(computeEventChecksum(docsEvent(), docsSecret)).toBe(correct);
    expect(createHash('sha256').update(eventChecksumPreimage(docsEvent(), docsSecret)).digest('hex')).toBe(correct);
  });

  it('rejects the docs printed checksum, which is not the hash of its own pre-image', () => {
    expect(verifyEventChecksum(docsEvent(), undefined, [docsSecret])).toEqual({ valid: false });
  });

  it('accepts the correct checksum in lower and upper case', () => {
    const lower = { ...docsEvent(), signature: { ...docsEvent().signature, checksum: correct } };
    const upper = { ...docsEvent(), signature: { ...docsEvent().signature, checksum: correct.toUpperCase() } };
    expect(verifyEventChecksum(lower, undefined, [docsSecret])).toEqual({ valid: true, secretIndex: 0 });
    expect(verifyEventChecksum(upper, undefined, [docsSecret])).toEqual({ valid: true, secretIndex: 0 });
  });

  it('falls back to the X-Event-Checksum header when the body has none', () => {
    const e = docsEvent();
    const noBodyChecksum = { ...e, signature: { properties: e.signature.properties } };
    expect(verifyEventChecksum(noBodyChecksum, correct, [docsSecret])).toEqual({ valid: true, secretIndex: 0 });
    expect(verifyEventChecksum(noBodyChecksum, correct.replace('5a', '5b'), [docsSecret]).valid).toBe(false);
    expect(verifyEventChecksum(noBodyChecksum, undefined, [docsSecret]).valid).toBe(false);
  });

  it('accepts any secret of a rotation and reports which one matched', () => {
    const e = { ...docsEvent(), signature: { ...docsEvent().signature, checksum: correct } };
    expect(verifyEventChecksum(e, undefined, ['prod_events_new', docsSecret])).toEqual({ valid: true, secretIndex: 1 });
    expect(verifyEventChecksum(e, undefined, ['prod_events_other']).valid).toBe(false);
    expect(verifyEventChecksum(e, undefined, []).valid).toBe(false);
  });

  it('detects a tampered value, a reordered property list and a changed timestamp', () => {
    const base = { ...docsEvent(), signature: { ...docsEvent().signature, checksum: correct } };
    const tampered = { ...base, data: { transaction: { ...base.data.transaction, amount_in_cents: 100 } } };
    const reordered = {
      ...base,
      signature: {
        ...base.signature,
        properties: ['transaction.status', 'transaction.id', 'transaction.amount_in_cents'],
      },
    };
    const later = { ...base, timestamp: 1530291412 };
    for (const e of [tampered, reordered, later])
      expect(verifyEventChecksum(e, undefined, [docsSecret]).valid).toBe(false);
  });

  it('is invalid, not a crash, when a listed property is missing or the checksum is garbage', () => {
    const base = docsEvent();
    const missing = { ...base, signature: { properties: ['transaction.nope'], checksum: correct } };
    expect(verifyEventChecksum(missing, undefined, [docsSecret]).valid).toBe(false);
    expect(
      verifyEventChecksum({ ...base, signature: { ...base.signature, checksum: 'zz' } }, undefined, [docsSecret]).valid,
    ).toBe(false);
    expect(verifyEventChecksum({ data: {}, signature: null, timestamp: 1 }, correct, [docsSecret]).valid).toBe(false);
    expect(() => computeEventChecksum(missing, docsSecret)).toThrow(/transaction\.nope/);
  });

  it('renders a null property as empty (Wompi is silent on nulls; this is our convention)', () => {
    const e = {
      data: { transaction: { id: 'x', payment_link_id: null } },
      signature: { properties: ['transaction.id', 'transaction.payment_link_id'] },
      timestamp: 5,
    };
    expect(eventChecksumPreimage(e, 's')).toBe('x5s');
  });
});
