import { canonicalJson } from '../common/idempotency/request-hash';
import { eventKeyOf, isKnownEventType, parseEnvelope } from './event-envelope';

const CHECKSUM = 'a'.repeat(64);
const valid = () => ({
  event: 'transaction.updated',
  data: { transaction: { id: '15113-1755396264-52249', status: 'APPROVED', amount_in_cents: 2490000 } },
  sent_at: '2026-03-01T12:00:02.000Z',
  timestamp: 1772366402,
  signature: { checksum: CHECKSUM, properties: ['transaction.id', 'transaction.status'] },
  environment: 'test',
});

describe('parseEnvelope', () => {
  it('accepts a Wompi envelope and normalises the checksum to lowercase', () => {
    const body = valid();
    body.signature.checksum = 'ABCDEF'.padEnd(64, 'A');
    const r = parseEnvelope(body, undefined);
    expect(r).toEqual({
      ok: true,
      envelope: expect.objectContaining({
        event: 'transaction.updated',
        timestamp: 1772366402,
        environment: 'test',
        checksum: 'abcdef'.padEnd(64, 'a'),
        properties: ['transaction.id', 'transaction.status'],
      }),
    });
    expect(r.ok && r.envelope.sentAt?.toISOString()).toBe('2026-03-01T12:00:02.000Z');
  });

  it('takes the checksum from the header when the body has none', () => {
    const body: Record<string, unknown> = valid();
    body.signature = { properties: ['transaction.id'] };
    const r = parseEnvelope(body, ` ${'B'.repeat(64)} `);
    expect(r.ok && r.envelope.checksum).toBe('b'.repeat(64));
  });

  it('prefers the body checksum over the header', () => {
    const r = parseEnvelope(valid(), 'b'.repeat(64));
    expect(r.ok && r.envelope.checksum).toBe(CHECKSUM);
  });

  it('names every missing or wrong field at once', () => {
    const r = parseEnvelope(
      { event: '', data: [], timestamp: 1.5, signature: { properties: [] }, environment: 7 },
      undefined,
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual([
      'data',
      'environment',
      'event',
      'signature.checksum',
      'signature.properties',
      'timestamp',
    ]);
  });

  it.each([
    ['timestamp as a string', { timestamp: '1772366402' }, 'timestamp'],
    ['negative timestamp', { timestamp: -1 }, 'timestamp'],
    ['signature missing (and no header)', { signature: undefined }, 'signature,signature.checksum'],
    [
      'non-string property',
      { signature: { checksum: CHECKSUM, properties: ['transaction.id', 3] } },
      'signature.properties',
    ],
    ['checksum not a string', { signature: { checksum: 12, properties: ['transaction.id'] } }, 'signature.checksum'],
    ['event too long for the column', { event: 'x'.repeat(65) }, 'event'],
  ])('refuses %s', (_name, over, field) => {
    const r = parseEnvelope({ ...valid(), ...over }, undefined);
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors)).toEqual(field.split(','));
  });

  it('refuses a non-object body', () => {
    expect(parseEnvelope([valid()], undefined)).toEqual({
      ok: false,
      errors: { body: ['the body must be a JSON object'] },
    });
    expect(parseEnvelope(null, undefined).ok).toBe(false);
  });

  it('keeps an unparseable sent_at as null instead of refusing the event', () => {
    const r = parseEnvelope({ ...valid(), sent_at: 'yesterday' }, undefined);
    expect(r.ok && r.envelope.sentAt).toBeNull();
  });
});

describe('eventKeyOf', () => {
  it('transaction.updated → type, transaction id and status (stable across redeliveries)', () => {
    expect(eventKeyOf(valid())).toEqual({ ok: true, key: 'transaction.updated:15113-1755396264-52249:APPROVED' });
  });

  it('nequi_token.updated → type, token id and status', () => {
    expect(
      eventKeyOf({ event: 'nequi_token.updated', data: { nequi_token: { id: 'nequi_test_abc', status: 'APPROVED' } } }),
    ).toEqual({ ok: true, key: 'nequi_token.updated:nequi_test_abc:APPROVED' });
  });

  it('other types → sha256 of the canonical data, independent of key order', () => {
    const a = eventKeyOf({
      event: 'bancolombia_transfer_token.updated',
      data: { x: { id: 1, status: 'APPROVED' }, y: [1, { b: 2, a: 1 }] },
    });
    const b = eventKeyOf({
      event: 'bancolombia_transfer_token.updated',
      data: { y: [1, { a: 1, b: 2 }], x: { status: 'APPROVED', id: 1 } },
    });
    const c = eventKeyOf({ event: 'bancolombia_transfer_token.updated', data: { x: { id: 1, status: 'DECLINED' } } });
    expect(a.ok && a.key).toMatch(/^bancolombia_transfer_token\.updated:[0-9a-f]{64}$/);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('a transaction event without id or status is malformed, naming the field', () => {
    expect(eventKeyOf({ event: 'transaction.updated', data: { transaction: { status: 'APPROVED' } } })).toEqual({
      ok: false,
      errors: { 'data.transaction.id': ['data.transaction.id must be a string or number'] },
    });
    expect(eventKeyOf({ event: 'transaction.updated', data: {} })).toEqual({
      ok: false,
      errors: { 'data.transaction': ['data.transaction must be an object'] },
    });
  });

  it('a key too long for the column is hashed, still stable', () => {
    const long = { event: 'transaction.updated', data: { transaction: { id: 'x'.repeat(300), status: 'APPROVED' } } };
    const k = eventKeyOf(long);
    expect(k.ok && k.key.length).toBeLessThanOrEqual(200);
    expect(eventKeyOf(long)).toEqual(k);
  });
});

describe('canonicalJson / isKnownEventType', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('knows the three Wompi event types only', () => {
    expect(
      ['transaction.updated', 'nequi_token.updated', 'bancolombia_transfer_token.updated'].every(isKnownEventType),
    ).toBe(true);
    expect(isKnownEventType('payout.updated')).toBe(false);
  });
});
