import { Inject, Injectable } from '@nestjs/common';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { compactDecrypt } from 'jose';
import { SandboxRuntime } from '../sandbox-runtime';
import { cardTokenId, nequiTokenId } from '../domain/ids';
import { MERCHANT_PROFILE, NEQUI } from '../domain/test-data';
import { MSG, wompiErrors } from '../domain/wompi-error';
import { WebhookService } from './webhook.service';
import { NequiTokenRecord } from './sandbox-store';

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

/** `2022-08-26T02:57:24.973+00:00`: card tokens use this form (REFERENCE §3). */
const plusZero = (d: Date): string => d.toISOString().replace('Z', '+00:00');

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
    const pattern = (k: string, re: RegExp, text: string) => {
      const v = str(k);
      if (v === undefined) messages[k] = [MSG.notPresent];
      else if (!re.test(v)) messages[k] = [`debe coincidir con el patron "${text}"`];
    };
    pattern('number', /^\d{12,19}$/, '^\\d{12,19}$');
    pattern('exp_month', /^\d{2}$/, '^\\d{2}$');
    pattern('exp_year', /^\d{2}$/, '^\\d{2}$');
    pattern('cvc', /^\d{3,4}$/, '^\\d{3,4}$');
    const holder = str('card_holder');
    if (holder === undefined) messages.card_holder = [MSG.notPresent];
    else if (holder.trim().length < 5) messages.card_holder = ['Debe tener al menos 5 caracteres'];
    if (!messages.number && !luhnValid(str('number')!)) messages.number = [MSG.luhn];
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
    if (typeof payload !== 'string' || payload.split('.').length !== 5) throw wompiErrors.field('payload', MSG.badFormat);
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
}
