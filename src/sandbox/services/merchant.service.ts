import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { PUBLIC_KEY_FORMAT } from '../domain/keys';
import { ACCEPTED_METHODS, MERCHANT_PROFILE } from '../domain/test-data';
import { MSG, wompiErrors } from '../domain/wompi-error';
import { AcceptanceService } from './acceptance.service';

/** GET /merchants/{public_key} and /merchants/info (docs/wompi.md#acceptance-tokens), fresh tokens each time. */
@Injectable()
export class MerchantService {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(AcceptanceService) private readonly acceptance: AcceptanceService,
  ) {}

  async merchant(publicKey: string | undefined): Promise<Record<string, unknown>> {
    if (!publicKey) throw wompiErrors.unauthorized(MSG.noKey);
    // a production key against the sandbox is refused like on every other route (docs/wompi.md#environments-and-keys)
    if (/^(pub|prv)_prod_/.test(publicKey)) throw wompiErrors.unauthorized(MSG.wrongEnvironment);
    if (!PUBLIC_KEY_FORMAT.test(publicKey)) throw wompiErrors.field('public_key', MSG.badFormat);
    if (publicKey !== this.rt.keys.publicKey) throw wompiErrors.notFound();
    return {
      data: {
        id: this.rt.options.merchantId,
        name: MERCHANT_PROFILE.name,
        email: MERCHANT_PROFILE.email,
        contact_name: MERCHANT_PROFILE.contact_name,
        phone_number: MERCHANT_PROFILE.phone_number,
        active: true,
        logo_url: null,
        legal_name: MERCHANT_PROFILE.legal_name,
        legal_id_type: MERCHANT_PROFILE.legal_id_type,
        legal_id: MERCHANT_PROFILE.legal_id,
        public_key: publicKey,
        accepted_currencies: ['COP'],
        validated_legal_id: MERCHANT_PROFILE.legal_id,
        fraud_javascript_key: null,
        fraud_groups: [],
        accepted_payment_methods: [...ACCEPTED_METHODS],
        payment_methods: [...ACCEPTED_METHODS]
          .sort()
          .map((name) => ({ name, payment_processors: [{ name: `${name}_SANDBOX` }] })),
        presigned_acceptance: await this.acceptance.issue('END_USER_POLICY'),
        presigned_personal_data_auth: await this.acceptance.issue('PERSONAL_DATA_AUTH'),
        click_to_pay_dpa_id: null,
        mcc: null,
        acquirer_id: null,
      },
      meta: {},
    };
  }
}
