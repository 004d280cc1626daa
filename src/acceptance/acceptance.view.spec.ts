import { toAcceptanceResponse } from './acceptance.view';

describe('toAcceptanceResponse', () => {
  const pair = (aExp: string | null, pExp: string | null) => ({
    presigned_acceptance: {
      acceptance_token: 'tok-a',
      permalink: 'https://x/terms.pdf',
      type: 'END_USER_POLICY' as const,
      expires_at: aExp,
    },
    presigned_personal_data_auth: {
      acceptance_token: 'tok-p',
      permalink: 'https://x/data.pdf',
      type: 'PERSONAL_DATA_AUTH' as const,
      expires_at: pExp,
    },
  });

  it('flattens the pair into the two tokens the payment needs, with permalinks', () => {
    const r = toAcceptanceResponse(pair('2030-01-01T00:00:00.000Z', '2030-01-01T01:00:00.000Z'));
    expect(r).toEqual({
      acceptance_token: 'tok-a',
      accept_personal_auth: 'tok-p',
      permalinks: { end_user_policy: 'https://x/terms.pdf', personal_data_auth: 'https://x/data.pdf' },
      presigned_acceptance: {
        acceptance_token: 'tok-a',
        permalink: 'https://x/terms.pdf',
        type: 'END_USER_POLICY',
        expires_at: '2030-01-01T00:00:00.000Z',
      },
      presigned_personal_data_auth: {
        acceptance_token: 'tok-p',
        permalink: 'https://x/data.pdf',
        type: 'PERSONAL_DATA_AUTH',
        expires_at: '2030-01-01T01:00:00.000Z',
      },
      expires_at: '2030-01-01T00:00:00.000Z',
    });
  });

  it('takes the earlier expiry, or the known one, or null', () => {
    expect(toAcceptanceResponse(pair('2030-01-02T00:00:00.000Z', '2030-01-01T00:00:00.000Z')).expires_at).toBe(
      '2030-01-01T00:00:00.000Z',
    );
    expect(toAcceptanceResponse(pair(null, '2030-01-01T00:00:00.000Z')).expires_at).toBe('2030-01-01T00:00:00.000Z');
    expect(toAcceptanceResponse(pair(null, null)).expires_at).toBeNull();
  });
});
