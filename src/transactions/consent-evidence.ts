import { ConsentEntity } from './entities/consent.entity';
import { permalinkOf, sha256Hex } from './references';

type Evidence = Pick<
  ConsentEntity,
  'caller' | 'acceptancePermalink' | 'personalDataPermalink' | 'acceptanceTokenSha256' | 'personalDataTokenSha256'
>;

/**
 * The consent row's evidence, the same for a payment and a payment source: the caller, the
 * documents the tokens name (their `permalink` claims) and SHA-256 of each token — never the
 * tokens, which are single-use bearer values.
 */
export function consentEvidence(
  caller: string,
  acceptanceToken: string,
  personalDataToken: string | undefined,
): Evidence {
  return {
    caller,
    acceptancePermalink: permalinkOf(acceptanceToken),
    personalDataPermalink: permalinkOf(personalDataToken),
    acceptanceTokenSha256: sha256Hex(acceptanceToken),
    personalDataTokenSha256: personalDataToken ? sha256Hex(personalDataToken) : null,
  };
}
