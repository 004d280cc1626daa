import { alnum, digits, hex } from '../domain/ids';
import { CARDS, LEGAL_ID_TYPES_PSE, NEQUI, STATUS_MESSAGES } from '../domain/test-data';
import { MSG, wompiErrors } from '../domain/wompi-error';
import type { OtpFlow } from './daviplata-otp';
import { CardTokenRecord, FinalStatus, Outcome } from './sandbox-store';

export interface PreparedMethod {
  type: string;
  echoed: Record<string, unknown>;
  extra: Record<string, unknown>;
  /** undefined: the payer decides outside the API (admin `decide`, or the Daviplata OTP) */
  outcome?: Outcome;
  delay: 'card' | 'async';
  /** DAVIPLATA: the OTP flow behind `extra.url_services` */
  otp?: OtpFlow;
}

export interface MethodContext {
  txId: string;
  origin: string;
  amountInCents: number;
  cardToken: (id: string) => CardTokenRecord | undefined;
}

export const METHOD_TYPES = [
  'CARD',
  'NEQUI',
  'PSE',
  'BANCOLOMBIA_TRANSFER',
  'BANCOLOMBIA_QR',
  'BANCOLOMBIA_COLLECT',
  'DAVIPLATA',
  'PCOL',
  'BANCOLOMBIA_BNPL',
];
const SANDBOX_STATUSES = ['APPROVED', 'DECLINED', 'ERROR'];
const PCOL_STATUSES = ['APPROVED_ONLY_POINTS', 'APPROVED_HALF_POINTS', 'DECLINED', 'ERROR'];
const NO_3DS = { is_three_ds: false, three_ds_auth_type: null };

type Obj = Record<string, unknown>;
const oneOf = (values: readonly (string | number)[]) => `Debe ser uno de estos: ${values.join(', ')}`;

/** Collects nested `payment_method.messages` problems, Wompi style. */
class Checker {
  readonly messages: Record<string, string[]> = {};
  constructor(readonly pm: Obj) {}

  text(field: string, opts: { max?: number; noQuotes?: boolean; message?: string } = {}): string | undefined {
    const v = this.pm[field];
    if (v === undefined || v === null || v === '') this.messages[field] = [opts.message ?? MSG.notPresent];
    else if (typeof v !== 'string') this.messages[field] = [MSG.notText];
    else if (opts.max && v.length > opts.max) this.messages[field] = [`Debe tener máximo ${opts.max} caracteres`];
    else if (opts.noQuotes && v.includes("'")) this.messages[field] = ['No puede contener comillas simples'];
    else return v;
    return undefined;
  }

  among<T extends string | number>(field: string, allowed: readonly T[], optional = false): T | undefined {
    const v = this.pm[field];
    if (v === undefined && optional) return undefined;
    if (!allowed.includes(v as T)) this.messages[field] = [oneOf(allowed)];
    return v as T;
  }

  done(): void {
    if (Object.keys(this.messages).length > 0) throw wompiErrors.methodFields(this.messages);
  }
}

function fromSandboxStatus(s: string | undefined, messages: { declined: string; error: string }): Outcome | undefined {
  if (s === 'APPROVED') return { status: 'APPROVED', statusMessage: null };
  if (s === 'DECLINED') return { status: 'DECLINED', statusMessage: messages.declined };
  if (s === 'ERROR') return { status: 'ERROR', statusMessage: messages.error };
  return undefined;
}

export function outcomeFor(status: FinalStatus): Outcome {
  return fromSandboxStatus(status, STATUS_MESSAGES)!;
}

/** docs/wompi.md#sandbox-test-data: 4242… approved, 4111… declined, any other card errors. */
export function cardOutcome(number: string): Outcome {
  const base = { external_identifier: alnum(10), card_type: 'CREDIT', unique_code: hex(32) };
  if (number === CARDS.approved)
    return { status: 'APPROVED', statusMessage: null, extra: { ...base, processor_response_code: '00' } };
  if (number === CARDS.declined)
    return {
      status: 'DECLINED',
      statusMessage: STATUS_MESSAGES.cardDeclined,
      extra: { ...base, processor_response_code: '51' },
    };
  return {
    status: 'ERROR',
    statusMessage: STATUS_MESSAGES.cardError,
    extra: { ...base, processor_response_code: null },
  };
}

/** Key order of a real sandbox CARD event's `payment_method.extra` (docs/wompi.md#payment-methods; test/fixtures/wompi/real). */
const CARD_EXTRA_ORDER = [
  'bin',
  'name',
  'brand',
  'exp_year',
  'card_type',
  'exp_month',
  'last_four',
  'card_holder',
  'is_three_ds',
  'unique_code',
  'three_ds_auth',
  'three_ds_auth_type',
  'external_identifier',
  'processor_response_code',
];

/** `extra` with the known card keys in the real order, any other keys after them. */
export function orderCardExtra(extra: Obj): Obj {
  const out: Obj = {};
  for (const k of CARD_EXTRA_ORDER) if (k in extra) out[k] = extra[k];
  for (const [k, v] of Object.entries(extra)) if (!(k in out)) out[k] = v;
  return out;
}

export function cardExtra(token: CardTokenRecord): Obj {
  const v = token.view;
  return {
    bin: v.bin,
    name: v.name,
    brand: v.brand,
    exp_year: v.exp_year,
    exp_month: v.exp_month,
    last_four: v.last_four,
    card_holder: v.card_holder,
    ...NO_3DS,
  };
}

/** docs/wompi.md#sandbox-test-data: 3991111111 approved, 3992222222 declined, any other number errors. */
export function nequiOutcome(phone: string): Outcome {
  const extra = {
    transaction_id: `${digits(4)}-${digits(6)}`,
    external_identifier: alnum(10),
    nequi_transaction_id: alnum(12),
  };
  if (phone === NEQUI.approved) return { status: 'APPROVED', statusMessage: null, extra };
  if (phone === NEQUI.declined) return { status: 'DECLINED', statusMessage: STATUS_MESSAGES.declined, extra };
  return { status: 'ERROR', statusMessage: STATUS_MESSAGES.error, extra };
}

function pcolOutcome(s: string | undefined, amount: number): Outcome | undefined {
  if (s === 'APPROVED_ONLY_POINTS' || s === 'APPROVED_HALF_POINTS') {
    const redeemed = s === 'APPROVED_ONLY_POINTS' ? amount : Math.floor(amount / 2);
    return {
      status: 'APPROVED',
      statusMessage: null,
      extra: {
        points_redeemed: Math.floor(redeemed / 700),
        redeemed_amount_in_cents_pcol: redeemed,
        remaining_amount_in_cents: amount - redeemed,
        child_transaction_id: null,
      },
    };
  }
  return fromSandboxStatus(s, STATUS_MESSAGES);
}

const redirectUrl = (ctx: MethodContext, method: string, query: string) =>
  `${ctx.origin}/v1/payment_methods/redirect/${method}?${query}`;

/** Validates `payment_method` and decides its sandbox outcome; throws Wompi's 422 shapes. */
export function prepareMethod(input: unknown, ctx: MethodContext): PreparedMethod {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw wompiErrors.field('payment_method', MSG.notObject);
  const pm = input as Obj;
  const c = new Checker(pm);
  const type = c.among('type', METHOD_TYPES);
  c.done();
  switch (type) {
    case 'CARD': {
      const tokenId = c.text('token');
      const token = tokenId ? ctx.cardToken(tokenId) : undefined;
      if (tokenId && !token) c.messages.token = ['El token no existe o ya expiró'];
      if (pm.installments === undefined) c.messages.installments = [MSG.notPresent];
      else if (
        !Number.isInteger(pm.installments) ||
        (pm.installments as number) < 1 ||
        (pm.installments as number) > 36
      )
        c.messages.installments = [MSG.installments];
      c.done();
      return {
        type,
        echoed: { token: tokenId, installments: pm.installments },
        extra: cardExtra(token!),
        outcome: cardOutcome(token!.number),
        delay: 'card',
      };
    }
    case 'NEQUI': {
      const phone = c.text('phone_number');
      if (phone && !/^3\d{9}$/.test(phone)) c.messages.phone_number = ['Debe ser un número celular de 10 dígitos'];
      c.done();
      return {
        type,
        echoed: { phone_number: phone },
        extra: { ...NO_3DS },
        outcome: nequiOutcome(phone!),
        delay: 'async',
      };
    }
    case 'PSE': {
      c.among('user_type', [0, 1]);
      c.among('user_legal_id_type', LEGAL_ID_TYPES_PSE);
      c.text('user_legal_id', { message: MSG.mustComplete });
      const bank = c.text('financial_institution_code');
      c.text('payment_description', { max: 64 });
      c.done();
      const echoed: Obj = {};
      for (const k of [
        'user_type',
        'user_legal_id',
        'user_legal_id_type',
        'payment_description',
        'financial_institution_code',
        'reference_one',
        'reference_two',
        'reference_three',
      ]) {
        if (pm[k] !== undefined) echoed[k] = pm[k];
      }
      const status = bank === '1' ? 'APPROVED' : bank === '2' ? 'DECLINED' : 'ERROR';
      const outcome = fromSandboxStatus(status, {
        declined: STATUS_MESSAGES.pseDeclined,
        error: STATUS_MESSAGES.pseError,
      })!;
      const ticket = ctx.txId.replace(/-/g, '');
      outcome.extra = { ticket_id: ticket, traceability_code: digits(8), external_identifier: ticket };
      return {
        type,
        echoed,
        extra: { ...NO_3DS, async_payment_url: redirectUrl(ctx, 'pse', `ticket_id=${ticket}`) },
        outcome,
        delay: 'async',
      };
    }
    case 'BANCOLOMBIA_TRANSFER': {
      c.among('user_type', ['PERSON']);
      c.text('payment_description', { max: 64, noQuotes: true });
      const s = c.among('sandbox_status', SANDBOX_STATUSES, true);
      c.done();
      const code = `${alnum(16)}${s ? `-${s.toLowerCase()}` : ''}`;
      const echoed: Obj = {
        user_type: pm.user_type,
        ...(s ? { sandbox_status: s } : {}),
        payment_description: pm.payment_description,
      };
      const extra = {
        async_payment_url: redirectUrl(ctx, 'bancolombia_transfer', `transferCode=${code}`),
        external_identifier: code,
      };
      return { type, echoed, extra, outcome: fromSandboxStatus(s, STATUS_MESSAGES), delay: 'async' };
    }
    case 'BANCOLOMBIA_QR': {
      c.text('payment_description', { max: 64 });
      const s = c.among('sandbox_status', SANDBOX_STATUSES, true);
      c.done();
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/><!-- ${ctx.txId} --></svg>`;
      const extra = { qr_id: alnum(12), qr_image: Buffer.from(svg).toString('base64'), external_identifier: alnum(10) };
      return {
        type,
        echoed: { payment_description: pm.payment_description, ...(s ? { sandbox_status: s } : {}) },
        extra,
        outcome: fromSandboxStatus(s, STATUS_MESSAGES),
        delay: 'async',
      };
    }
    case 'BANCOLOMBIA_COLLECT': {
      const s = c.among('sandbox_status', SANDBOX_STATUSES, true);
      c.done();
      const extra = { business_agreement_code: digits(5), payment_intention_identifier: digits(12) };
      return {
        type,
        echoed: s ? { sandbox_status: s } : {},
        extra,
        outcome: fromSandboxStatus(s, STATUS_MESSAGES),
        delay: 'async',
      };
    }
    case 'DAVIPLATA': {
      c.text('user_legal_id', { message: MSG.mustComplete });
      c.among('user_legal_id_type', ['CC', 'CE', 'NIT', 'PP', 'TI']);
      c.text('payment_description', { max: 64 });
      c.done();
      // `url` is the buyer's page (request and enter the OTP); `url_services` is the OTP service
      // itself, whose Bearer is `url_services.token` (the same service Daviplata tokens use).
      const otp: OtpFlow = { bearer: hex(16), sent: false };
      const base = `${ctx.origin}/__sandbox/daviplata/${ctx.txId}`;
      const extra = {
        url: redirectUrl(ctx, 'daviplata', `id=${ctx.txId}`),
        url_services: {
          token: otp.bearer,
          code_otp_send: `${base}/send_otp`,
          code_otp_validate: `${base}/validate_otp`,
        },
        steps: [],
      };
      return {
        type,
        echoed: {
          user_legal_id: pm.user_legal_id,
          user_legal_id_type: pm.user_legal_id_type,
          payment_description: pm.payment_description,
        },
        extra,
        delay: 'async',
        otp,
      };
    }
    case 'PCOL': {
      const s = c.among('sandbox_status', PCOL_STATUSES, true);
      c.done();
      const extra = { async_payment_url: redirectUrl(ctx, 'pcol', `id=${ctx.txId}`) };
      return {
        type,
        echoed: s ? { sandbox_status: s } : {},
        extra,
        outcome: pcolOutcome(s, ctx.amountInCents),
        delay: 'async',
      };
    }
    case 'BANCOLOMBIA_BNPL': {
      c.among('user_legal_id_type', ['CC', 'CE', 'NIT', 'PP', 'TI']);
      c.text('user_legal_id', { message: MSG.mustComplete });
      c.text('phone_number');
      c.text('payment_description', { max: 64 });
      if (ctx.amountInCents < 10_000_000)
        c.messages.amount_in_cents = ['El monto mínimo para BANCOLOMBIA_BNPL es $100,000'];
      const s = c.among('sandbox_status', SANDBOX_STATUSES, true);
      c.done();
      const echoed: Obj = {};
      for (const k of [
        'name',
        'last_name',
        'user_legal_id_type',
        'user_legal_id',
        'phone_number',
        'phone_code',
        'redirect_url',
        'payment_description',
      ]) {
        if (pm[k] !== undefined) echoed[k] = pm[k];
      }
      if (s) echoed.sandbox_status = s;
      return {
        type,
        echoed,
        extra: { url: redirectUrl(ctx, 'bnpl', `id=${ctx.txId}`), steps: [], is_three_ds: false },
        outcome: fromSandboxStatus(s, STATUS_MESSAGES),
        delay: 'async',
      };
    }
    default:
      throw wompiErrors.methodFields({ type: [oneOf(METHOD_TYPES)] });
  }
}
