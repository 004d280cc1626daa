import { AcceptanceTokens } from '../wompi/wompi.types';
import { AcceptanceResponse } from './dto/acceptance.response';

/** The earlier of two ISO instants; null when neither is known. */
function earliest(a: string | null, b: string | null): string | null {
  if (!a || !b) return a ?? b ?? null;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

export function toAcceptanceResponse(t: AcceptanceTokens): AcceptanceResponse {
  const a = t.presigned_acceptance;
  const p = t.presigned_personal_data_auth;
  return {
    acceptance_token: a.acceptance_token,
    accept_personal_auth: p.acceptance_token,
    permalinks: { end_user_policy: a.permalink, personal_data_auth: p.permalink },
    presigned_acceptance: {
      acceptance_token: a.acceptance_token,
      permalink: a.permalink,
      type: a.type,
      expires_at: a.expires_at ?? null,
    },
    presigned_personal_data_auth: {
      acceptance_token: p.acceptance_token,
      permalink: p.permalink,
      type: p.type,
      expires_at: p.expires_at ?? null,
    },
    expires_at: earliest(a.expires_at ?? null, p.expires_at ?? null),
  };
}
