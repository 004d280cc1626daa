import { MSG, WompiError, wompiErrors } from '../domain/wompi-error';

/** The state of one Daviplata OTP flow (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens, #payment-methods `url_services`). */
export interface OtpFlow {
  /** the one-use Bearer handed out as `url_services.token` (good for this flow only) */
  bearer: string;
  /** `code_otp_send` was called at least once */
  sent: boolean;
}

/** What the OTP service works on: a Daviplata token or a Daviplata payment. */
export interface OtpSubject {
  otp: OtpFlow;
  /** the flow is open while this is PENDING */
  status: string;
  /** the 409 answered once the subject is decided */
  conflict: () => WompiError;
}

export const OTP_INVALID = 'Código OTP inválido, intenta de nuevo';

/**
 * Wompi's Daviplata OTP service, shared by tokens (payment sources) and payments: both URLs
 * want `Authorization: Bearer <url_services.token>` (401 without it or with another flow's),
 * `code_otp_validate` wants `code_otp_send` first (422), and a decided subject answers 409.
 */
export const daviplataOtp = {
  /** `code_otp_send`: (re)sends the OTP; resending is fine. */
  send(subject: OtpSubject, authorization: string | undefined): void {
    open(subject, authorization);
    subject.otp.sent = true;
  },

  /**
   * `code_otp_validate`: returns the OTP when it is one of `known` (the caller then decides the
   * subject, which spends the Bearer); any other code is a 422 the buyer may retry.
   */
  validate(subject: OtpSubject, authorization: string | undefined, otp: unknown, known: readonly string[]): string {
    open(subject, authorization);
    if (!subject.otp.sent) throw wompiErrors.unprocessable('Primero se debe solicitar el envío del código OTP');
    if (otp === undefined || otp === null || otp === '') throw wompiErrors.field('otp', MSG.notPresent);
    const code = String(otp);
    if (!known.includes(code)) throw wompiErrors.field('otp', OTP_INVALID);
    return code;
  },
};

function open(subject: OtpSubject, authorization: string | undefined): void {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!bearer) throw wompiErrors.unauthorized('Se esperaba el token de url_services pero no se recibió ninguno');
  if (bearer !== subject.otp.bearer)
    throw wompiErrors.unauthorized('El token de url_services no es válido para este proceso');
  if (subject.status !== 'PENDING') throw subject.conflict();
}
