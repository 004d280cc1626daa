import { decodeJwtExpiry, withExpiry } from './acceptance-tokens';

// a real END_USER_POLICY acceptance token (Wompi UAT, 2025): payload has exp 1755399865
const REAL_TOKEN =
  'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6MjQzLCJwZXJtYWxpbmsiOiJodHRwczovL3dvbXBpLmNvbS9hc3NldHMvZG93bmxvYWRibGUvcmVnbGFtZW50by1Vc3Vhcmlvcy1Db2xvbWJpYS5wZGYiLCJmaWxlX2hhc2giOiJkMWVkMDI3NjhlNDEzZWEyMzFmNzAwMjc0N2Y0N2FhOSIsImppdCI6IjE3NTUzOTYyNjUtMTgzNDYiLCJlbWFpbCI6IiIsImV4cCI6MTc1NTM5OTg2NX0.cSUYRbsf3rWpagXFlpHANePjZWynomf6yDWOUqe2fqk';

const jwt = (payload: unknown) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('decodeJwtExpiry', () => {
  it('decodes exp of a real acceptance token without verifying it', () => {
    expect(decodeJwtExpiry(REAL_TOKEN)).toBe(new Date(1755399865 * 1000).toISOString());
    expect(decodeJwtExpiry(REAL_TOKEN)).toBe('2025-08-17T03:04:25.000Z');
  });

  it('is null when exp is absent (the personal-data token has none)', () => {
    expect(decodeJwtExpiry(jwt({ contract_id: 1, permalink: 'x' }))).toBeNull();
  });

  it('is null for garbage rather than throwing', () => {
    for (const t of ['', 'abc', 'a.b', 'a.!!!.c', jwt('str'), jwt({ exp: 'tomorrow' }), jwt({ exp: -1 }), jwt(null)]) {
      expect(decodeJwtExpiry(t)).toBeNull();
    }
  });

  it('withExpiry adds expires_at', () => {
    expect(
      withExpiry({ acceptance_token: jwt({ exp: 2_000_000_000 }), permalink: 'p', type: 'END_USER_POLICY' }),
    ).toEqual({
      acceptance_token: jwt({ exp: 2_000_000_000 }),
      permalink: 'p',
      type: 'END_USER_POLICY',
      expires_at: '2033-05-18T03:33:20.000Z',
    });
  });
});
