import { REDACTED, scrub, scrubString } from './redact';

describe('log scrubbing', () => {
  it('removes Wompi keys and secrets wherever they appear in a string', () => {
    const s = scrubString('key pub_test_AbC123xyz and prv_prod_Q1w2E3 and test_events_zz9 and prod_integrity_k1');
    expect(s).not.toMatch(/pub_test_|prv_prod_|test_events_|prod_integrity_/);
  });

  it('removes bearer tokens, emails, JWTs and card-like numbers', () => {
    const s = scrubString('Bearer abc.def-123 buyer@example.com eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.sig 4242 4242 4242 4242 and 4111-1111-1111-1111');
    expect(s).not.toContain('abc.def-123');
    expect(s).not.toContain('buyer@example.com');
    expect(s).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(s).not.toMatch(/4242 4242|4111-1111/);
  });

  it('removes Wompi token ids, also inside a larger string such as an event key', () => {
    const s = scrubString(
      'nequi_token.updated:nequi_test_RfK4abcDEF123:APPROVED tok_test_77763_7b1c2d3e4f5a6B7c8D9e0F1a2b3C4d5E daviplata_prod_Zx-9_q tok_stagtest_1_a',
    );
    expect(s).toBe(`nequi_token.updated:${REDACTED}:APPROVED ${REDACTED} ${REDACTED} ${REDACTED}`);
    expect(scrubString('transaction.updated:15113-1755396264-52249:APPROVED nequi_token.updated')).toBe('transaction.updated:15113-1755396264-52249:APPROVED nequi_token.updated');
  });

  it('keeps ordinary identifiers readable', () => {
    expect(scrubString('payment 3f1c9b2e-1111-4abc-9def-000000000000 ref ORD-1234 tx 15113-1755396264-52249')).toBe(
      'payment 3f1c9b2e-1111-4abc-9def-000000000000 ref ORD-1234 tx 15113-1755396264-52249',
    );
  });

  it('redacts sensitive fields by name, deep inside objects and arrays', () => {
    const out = scrub({ req: { headers: { authorization: 'Bearer x' } }, customer_email: 'a@b.co', list: [{ phone_number: '3991111111', legal_id: '123' }], amount_in_cents: 150000 }) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toMatch(/Bearer x|a@b\.co|3991111111|"123"/);
    expect((out as { amount_in_cents: number }).amount_in_cents).toBe(150000);
    expect(JSON.stringify(out)).toContain(REDACTED);
  });

  it('scrubs error messages and survives cycles', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    const out = scrub({ err: new Error('failed for prv_test_ABCDEF'), cyc });
    expect(JSON.stringify(out)).not.toContain('prv_test_ABCDEF');
  });
});
