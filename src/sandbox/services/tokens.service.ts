import { Inject, Injectable } from '@nestjs/common';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { compactDecrypt } from 'jose';
import { SandboxRuntime } from '../sandbox-runtime';
import { cardTokenId, daviplataTokenId, hex, nequiTokenId } from '../domain/ids';
import {
  BANCOLOMBIA_ACCOUNT,
  BANCOLOMBIA_TOKEN_DECLINED,
  DAVIPLATA_TOKEN,
  DAVIPLATA_TOKEN_MESSAGES,
  LEGAL_ID_TYPES_DAVIPLATA,
  MERCHANT_PROFILE,
  NEQUI,
} from '../domain/test-data';
import { MSG, WompiError, wompiErrors } from '../domain/wompi-error';
import { daviplataOtp, OtpSubject } from './daviplata-otp';
import { WebhookService } from './webhook.service';
import { BancolombiaTokenRecord, DaviplataTokenRecord, NequiTokenRecord } from './sandbox-store';

const DAY_MS = 86_400_000;

export function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(number: string): string {
  if (number.startsWith('4')) return 'VISA';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'MASTERCARD';
  if (/^3[47]/.test(number)) return 'AMEX';
  return 'VISA';
}

/** `2022-08-26T02:57:24.973+00:00`: card tokens use this form (docs/wompi.md#response-conventions-and-identifiers). */
const plusZero = (d: Date): string => d.toISOString().replace('Z', '+00:00');

/** Same refusal as `POST /tokens/nequi` for a phone that is not a Colombian mobile (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens). */
const PHONE_REASON = 'El número de teléfono debe ser un celular colombiano de 10 dígitos';
const isPhone = (v: unknown): v is string => typeof v === 'string' && /^3\d{9}$/.test(v);
const conflict = (status: string) =>
  new WompiError(409, { error: { type: 'CONFLICT', reason: `El token ya está en estado ${status}` } });

@Injectable()
export class TokensService {
  private keyPair?: { publicPem: string; privateKey: KeyObject };

  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(WebhookService) private readonly webhooks: WebhookService,
  ) {}

  /** RSA key for the JWE `payload` form, generated on first use (it costs ~100 ms). */
  tokenizationKey(): { publicKey: string } {
    return { publicKey: this.rsa().publicPem };
  }

  private rsa(): { publicPem: string; privateKey: KeyObject } {
    if (!this.keyPair) {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.keyPair = { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
    }
    return this.keyPair;
  }

  async createCardToken(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let card = body;
    if (body.payload !== undefined) card = await this.decryptPayload(body.payload);
    const messages: Record<string, string[]> = {};
    const str = (k: string) => (typeof card[k] === 'string' ? (card[k] as string) : undefined);
    /** Missing → "No está presente"; sent but not a string (e.g. a JSON number) → a type message. */
    const present = (k: string): string | undefined => {
      const v = card[k];
      if (v === undefined || v === null) messages[k] = [MSG.notPresent];
      else if (typeof v !== 'string') messages[k] = [MSG.notText];
      else return v;
      return undefined;
    };
    const pattern = (k: string, re: RegExp, text: string) => {
      const v = present(k);
      if (v !== undefined && !re.test(v)) messages[k] = [`debe coincidir con el patron "${text}"`];
    };
    pattern('number', /^\d{12,19}$/, '^\\d{12,19}$');
    pattern('exp_month', /^\d{2}$/, '^\\d{2}$');
    pattern('exp_year', /^\d{2}$/, '^\\d{2}$');
    pattern('cvc', /^\d{3,4}$/, '^\\d{3,4}$');
    const holder = present('card_holder');
    if (holder !== undefined && holder.trim().length < 5) messages.card_holder = ['Debe tener al menos 5 caracteres'];
    if (!messages.number && !luhnValid(str('number')!)) messages.number = [MSG.luhn];
    if (!messages.exp_month) {
      const month = Number(str('exp_month'));
      if (month < 1 || month > 12) messages.exp_month = [MSG.month];
    }
    if (Object.keys(messages).length > 0) throw wompiErrors.validation(messages);

    const number = str('number')!;
    const now = new Date();
    const id = cardTokenId(this.rt.options.merchantId);
    const brand = cardBrand(number);
    const view = {
      id,
      created_at: plusZero(now),
      brand,
      name: `${brand}-${number.slice(-4)}`,
      last_four: number.slice(-4),
      bin: number.slice(0, 6),
      exp_year: str('exp_year'),
      exp_month: str('exp_month'),
      card_holder: holder,
      created_with_cvc: true,
      expires_at: new Date(Math.floor((now.getTime() + 180 * DAY_MS) / 1000) * 1000).toISOString(),
      validity_ends_at: plusZero(new Date(now.getTime() + 2 * DAY_MS)),
    };
    this.rt.store.cardTokens.set(id, { id, number, createdAt: now, view });
    return { status: 'CREATED', data: view };
  }

  private async decryptPayload(payload: unknown): Promise<Record<string, unknown>> {
    if (typeof payload !== 'string' || payload.split('.').length !== 5)
      throw wompiErrors.field('payload', MSG.badFormat);
    try {
      const { plaintext } = await compactDecrypt(payload, this.rsa().privateKey, {
        keyManagementAlgorithms: ['RSA-OAEP-256'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      const parsed: unknown = JSON.parse(new TextDecoder().decode(plaintext));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch {
      throw wompiErrors.field('payload', 'No se pudo descifrar el payload');
    }
  }

  createNequiToken(body: Record<string, unknown>): Record<string, unknown> {
    const phone = body.phone_number;
    if (typeof phone !== 'string' || !/^3\d{9}$/.test(phone)) {
      throw wompiErrors.unprocessable('El número de teléfono debe ser un celular colombiano de 10 dígitos');
    }
    const token: NequiTokenRecord = { id: nequiTokenId(), phoneNumber: phone, status: 'PENDING' };
    this.rt.store.nequiTokens.set(token.id, token);
    // The buyer accepts (or not) the subscription in the Nequi app after a while.
    this.rt.timers.schedule(() => {
      if (this.rt.store.nequiTokens.get(token.id) !== token) return;
      token.status = phone === NEQUI.approved ? 'APPROVED' : 'DECLINED';
      this.webhooks.emitNequiToken(this.nequiView(token));
    }, this.rt.options.asyncDelayMs);
    return { data: this.nequiView(token) };
  }

  getNequiToken(id: string): Record<string, unknown> {
    const t = this.rt.store.nequiTokens.get(id);
    if (!t) throw wompiErrors.notFound();
    return { data: this.nequiView(t) };
  }

  nequiView(t: NequiTokenRecord): Record<string, unknown> {
    return { id: t.id, status: t.status, phone_number: t.phoneNumber, name: MERCHANT_PROFILE.name };
  }

  /** POST /tokens/daviplata (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens): PENDING until the buyer validates the OTP. */
  createDaviplataToken(body: Record<string, unknown>): Record<string, unknown> {
    const messages: Record<string, string[]> = {};
    const text = (k: string): string | undefined => {
      const v = body[k];
      if (v === undefined || v === null || v === '') messages[k] = [MSG.notPresent];
      else if (typeof v !== 'string') messages[k] = [MSG.notText];
      else return v;
      return undefined;
    };
    const typeDocument = text('type_document');
    if (typeDocument !== undefined && !(LEGAL_ID_TYPES_DAVIPLATA as readonly string[]).includes(typeDocument)) {
      messages.type_document = [`Debe ser uno de estos: ${LEGAL_ID_TYPES_DAVIPLATA.join(', ')}`];
    }
    const numberDocument = text('number_document');
    if (numberDocument !== undefined && !/^[A-Za-z0-9]{3,20}$/.test(numberDocument))
      messages.number_document = [MSG.badFormat];
    const phone = text('product_number');
    if (Object.keys(messages).length > 0) throw wompiErrors.validation(messages);
    if (!isPhone(phone)) throw wompiErrors.unprocessable(PHONE_REASON);
    const token: DaviplataTokenRecord = {
      id: daviplataTokenId(),
      typeDocument: typeDocument!,
      numberDocument: numberDocument!,
      phoneNumber: phone,
      status: 'PENDING',
      statusMessage: null,
      otp: { bearer: hex(16), sent: false },
    };
    this.rt.store.daviplataTokens.set(token.id, token);
    // The same OTP service as the Daviplata payment (admin routes `/__sandbox/daviplata/{id}/…`).
    const base = `${this.rt.origin}/__sandbox/daviplata/${token.id}`;
    return {
      data: {
        id: token.id,
        status: token.status,
        url_services: {
          token: token.otp.bearer,
          code_otp_send: `${base}/send_otp`,
          code_otp_validate: `${base}/validate_otp`,
        },
      },
    };
  }

  getDaviplataToken(id: string): Record<string, unknown> {
    const t = this.rt.store.daviplataTokens.get(id);
    if (!t) throw wompiErrors.notFound();
    return { data: this.daviplataView(t) };
  }

  daviplataView(t: DaviplataTokenRecord): Record<string, unknown> {
    return {
      id: t.id,
      status: t.status,
      status_message: t.statusMessage,
      client_info: { type_document: t.typeDocument, number_document: t.numberDocument, phone_number: t.phoneNumber },
    };
  }

  isDaviplataToken(id: string): boolean {
    return this.rt.store.daviplataTokens.has(id);
  }

  /** The OTP service's answer to `code_otp_send`; its Bearer is `url_services.token`. */
  daviplataSendOtp(id: string, authorization: string | undefined): Record<string, unknown> {
    daviplataOtp.send(this.otpSubject(id), authorization);
    return { data: { id, otp_sent: true }, meta: {} };
  }

  /**
   * `code_otp_validate` (docs/wompi.md#sandbox-test-data): a wrong OTP can be retried; a known one ends the flow
   * (and spends the one-use Bearer). The phone decides first, then the OTP.
   */
  daviplataValidateOtp(id: string, authorization: string | undefined, otp: unknown): Record<string, unknown> {
    const subject = this.otpSubject(id);
    const code = daviplataOtp.validate(subject, authorization, otp, [
      DAVIPLATA_TOKEN.approveOtp,
      DAVIPLATA_TOKEN.subscriptionExistsOtp,
    ]);
    const t = this.rt.store.daviplataTokens.get(id)!;
    if (t.phoneNumber === DAVIPLATA_TOKEN.invalidWalletPhone)
      this.decideDaviplata(t, DAVIPLATA_TOKEN_MESSAGES.invalidWallet);
    else if (t.phoneNumber !== DAVIPLATA_TOKEN.approvedPhone)
      this.decideDaviplata(t, DAVIPLATA_TOKEN_MESSAGES.declined);
    else if (code === DAVIPLATA_TOKEN.subscriptionExistsOtp)
      this.decideDaviplata(t, DAVIPLATA_TOKEN_MESSAGES.subscriptionExists);
    else this.decideDaviplata(t, null);
    return { data: this.daviplataView(t), meta: {} };
  }

  /** `declinedBecause` null = APPROVED. No event: docs/wompi.md#events-and-the-checksum lists none for Daviplata tokens. */
  private decideDaviplata(t: DaviplataTokenRecord, declinedBecause: string | null): void {
    t.status = declinedBecause === null ? 'APPROVED' : 'DECLINED';
    t.statusMessage = declinedBecause;
    this.rt.log.log(`daviplata token ${t.id} → ${t.status}`);
  }

  private otpSubject(id: string): OtpSubject {
    const t = this.rt.store.daviplataTokens.get(id);
    if (!t) throw wompiErrors.notFound();
    return { otp: t.otp, status: t.status, conflict: () => conflict(t.status) };
  }

  /**
   * POST /tokens/bancolombia_transfer (docs/wompi.md#nequi-daviplata-and-bancolombia-tokens): TOKEN waits (PENDING) for the payer to
   * authorise the account on `authorization_url`; TRANSACTION is AVAILABLE at once.
   */
  createBancolombiaToken(body: Record<string, unknown>): Record<string, unknown> {
    const messages: Record<string, string[]> = {};
    const redirect = body.redirect_url;
    if (redirect === undefined || redirect === null || redirect === '') messages.redirect_url = [MSG.notPresent];
    else if (typeof redirect !== 'string' || !/^https?:\/\/[^\s]+$/.test(redirect) || !URL.canParse(redirect))
      messages.redirect_url = [MSG.badFormat];
    const typeAuth = body.type_auth;
    if (typeAuth === undefined || typeAuth === null || typeAuth === '') messages.type_auth = [MSG.notPresent];
    else if (typeAuth !== 'TOKEN' && typeAuth !== 'TRANSACTION')
      messages.type_auth = ['Debe ser uno de estos: TOKEN, TRANSACTION'];
    if (Object.keys(messages).length > 0) throw wompiErrors.validation(messages);
    const now = new Date();
    const id = randomUUID();
    const token: BancolombiaTokenRecord = {
      id,
      typeAuth: typeAuth as 'TOKEN' | 'TRANSACTION',
      status: typeAuth === 'TOKEN' ? 'PENDING' : 'AVAILABLE',
      statusMessage: null,
      bankAccountType: null,
      bankAccountLastFour: null,
      redirectUrl: redirect as string,
      // The same payer page as async_payment_url (GET /v1/payment_methods/redirect/…).
      authorizationUrl:
        typeAuth === 'TOKEN'
          ? `${this.rt.origin}/v1/payment_methods/redirect/bancolombia_transfer_token?id=${id}`
          : null,
      createdAt: now,
      updatedAt: now,
    };
    this.rt.store.bancolombiaTokens.set(id, token);
    return { data: this.bancolombiaView(token) };
  }

  getBancolombiaToken(id: string): Record<string, unknown> {
    const t = this.rt.store.bancolombiaTokens.get(id);
    if (!t) throw wompiErrors.notFound();
    return { data: this.bancolombiaView(t) };
  }

  /** Admin / payer page: the payer authorises (APPROVED) or refuses (DECLINED) the account. */
  decideBancolombiaToken(id: string, status: unknown): Record<string, unknown> {
    const t = this.rt.store.bancolombiaTokens.get(id);
    if (!t) throw wompiErrors.notFound();
    if (status !== 'APPROVED' && status !== 'DECLINED')
      throw wompiErrors.field('status', 'Debe ser uno de estos: APPROVED, DECLINED');
    if (t.status !== 'PENDING') throw conflict(t.status);
    t.status = status;
    if (status === 'APPROVED') {
      t.bankAccountType = BANCOLOMBIA_ACCOUNT.bank_account_type;
      t.bankAccountLastFour = BANCOLOMBIA_ACCOUNT.bank_account_last_four;
    } else t.statusMessage = BANCOLOMBIA_TOKEN_DECLINED;
    t.updatedAt = new Date();
    this.rt.log.log(`bancolombia transfer token ${t.id} → ${t.status}`);
    const view = this.bancolombiaView(t);
    this.webhooks.emitBancolombiaToken(view);
    return { data: view };
  }

  bancolombiaView(t: BancolombiaTokenRecord): Record<string, unknown> {
    return {
      id: t.id,
      status: t.status,
      status_message: t.statusMessage,
      bank_account_type: t.bankAccountType,
      bank_account_last_four: t.bankAccountLastFour,
      redirect_url: t.redirectUrl,
      authorization_url: t.authorizationUrl,
      created_at: t.createdAt.toISOString(),
      updated_at: t.updatedAt.toISOString(),
    };
  }
}
