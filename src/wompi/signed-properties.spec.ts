import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BANCOLOMBIA_TOKEN_PROPERTIES,
  NEQUI_TOKEN_PROPERTIES,
  TRANSACTION_PROPERTIES as SANDBOX_TRANSACTION_PROPERTIES,
} from '../sandbox/services/webhook.service';
import { checkSignedProperties, SIGNED_PROPERTIES } from './signed-properties';

const TX = ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'];

describe('signed properties: what a checksum must cover (issue 11)', () => {
  it("accepts Wompi's transaction.updated list, in Wompi's order or any other", () => {
    expect(checkSignedProperties('transaction.updated', TX)).toEqual({ ok: true });
    expect(checkSignedProperties('transaction.updated', [...TX].reverse())).toEqual({ ok: true });
    expect(checkSignedProperties('transaction.updated', [...TX, 'transaction.reference'])).toEqual({ ok: true });
  });

  it('accepts what every stored real and sandbox event signs', () => {
    const dir = join(__dirname, '..', '..', 'test', 'fixtures', 'wompi');
    const docs = JSON.parse(readFileSync(join(dir, 'docs_event_example.json'), 'utf8'));
    const sandbox = JSON.parse(readFileSync(join(dir, 'event_sandbox_card_approved.json'), 'utf8')).body;
    const real = readFileSync(join(dir, 'real', 'events', 'sandbox_raw_bodies.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    expect(real.length).toBeGreaterThan(0);
    for (const ev of [docs, sandbox, ...real])
      expect(checkSignedProperties(ev.event, ev.signature.properties)).toEqual({ ok: true });
    expect(checkSignedProperties('transaction.updated', SANDBOX_TRANSACTION_PROPERTIES)).toEqual({ ok: true });
    expect(checkSignedProperties('nequi_token.updated', NEQUI_TOKEN_PROPERTIES)).toEqual({ ok: true });
    expect(checkSignedProperties('bancolombia_transfer_token.updated', BANCOLOMBIA_TOKEN_PROPERTIES)).toEqual({
      ok: true,
    });
  });

  it('refuses dummy fields carrying the signed values (the forgery)', () => {
    const v = checkSignedProperties('transaction.updated', ['transaction._s0', 'transaction._s1', 'transaction._s2']);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.problems).toEqual([
      'must sign transaction.id, transaction.status, transaction.amount_in_cents',
      'not fields a transaction.updated event may sign: transaction._s0, transaction._s1, transaction._s2',
    ]);
  });

  it('refuses a list missing the status, or the amount', () => {
    expect(checkSignedProperties('transaction.updated', ['transaction.id', 'transaction.amount_in_cents'])).toEqual({
      ok: false,
      problems: ['must sign transaction.status'],
    });
    expect(checkSignedProperties('transaction.updated', ['transaction.id', 'transaction.status'])).toEqual({
      ok: false,
      problems: ['must sign transaction.amount_in_cents'],
    });
    expect(checkSignedProperties('nequi_token.updated', ['nequi_token.id'])).toEqual({
      ok: false,
      problems: ['must sign nequi_token.status'],
    });
  });

  it('refuses the complete list plus an unknown field, and duplicates', () => {
    expect(checkSignedProperties('transaction.updated', [...TX, 'transaction._s0']).ok).toBe(false);
    expect(checkSignedProperties('transaction.updated', [...TX, 'transaction.id'])).toEqual({
      ok: false,
      problems: ['listed more than once: transaction.id'],
    });
    expect(
      checkSignedProperties('nequi_token.updated', ['nequi_token.id', 'nequi_token.status', 'transaction.id']).ok,
    ).toBe(false);
  });

  it('keeps its answer short whatever was sent', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `transaction.x${i}${'y'.repeat(200)}`);
    const v = checkSignedProperties('transaction.updated', [...many, ...many]);
    expect(v.ok).toBe(false);
    expect(JSON.stringify(v).length).toBeLessThan(2000);
  });

  it('event types without a rule are never acted on: any list of distinct properties', () => {
    expect(checkSignedProperties('payout.updated', ['payout.id', 'payout.status'])).toEqual({ ok: true });
    expect(checkSignedProperties('payout.updated', ['payout.id', 'payout.id']).ok).toBe(false);
    expect(checkSignedProperties('constructor', ['x'])).toEqual({ ok: true }); // no prototype lookups
  });

  it('every required property is allowed', () => {
    for (const rule of Object.values(SIGNED_PROPERTIES))
      for (const p of rule.required) expect(rule.allowed).toContain(p);
  });
});
