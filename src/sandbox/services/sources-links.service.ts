import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { paymentLinkId } from '../domain/ids';
import { MAX_AMOUNT_IN_CENTS } from '../domain/test-data';
import { FieldMessages, MSG, wompiErrors } from '../domain/wompi-error';
import { AcceptanceService } from './acceptance.service';
import { PaymentSourceRecord, PaymentSourceType } from './sandbox-store';

type Obj = Record<string, unknown>;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SOURCE_TYPES = ['CARD', 'NEQUI', 'DAVIPLATA', 'BANCOLOMBIA_TRANSFER'] as const;

/** Payment sources (docs/wompi.md#payment-sources) and payment links (docs/wompi.md#payment-links). */
@Injectable()
export class SourcesLinksService {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(AcceptanceService) private readonly acceptance: AcceptanceService,
  ) {}

  async createSource(body: Obj): Promise<Obj> {
    const messages: Record<string, string[]> = {};
    if (!(SOURCE_TYPES as readonly unknown[]).includes(body.type))
      messages.type = [`Debe ser uno de estos: ${SOURCE_TYPES.join(', ')}`];
    if (typeof body.token !== 'string' || body.token === '') messages.token = [MSG.notPresent];
    if (typeof body.customer_email !== 'string' || !EMAIL.test(body.customer_email)) {
      messages.customer_email = [body.customer_email === undefined ? MSG.notPresent : MSG.email];
    }
    if (body.type === 'BANCOLOMBIA_TRANSFER') {
      const d = body.payment_description;
      if (d === undefined || d === null || d === '') messages.payment_description = [MSG.notPresent];
      else if (typeof d !== 'string') messages.payment_description = [MSG.notText];
      else if (d.length > 64) messages.payment_description = ['Debe tener máximo 64 caracteres'];
    }
    if (Object.keys(messages).length) throw wompiErrors.validation(messages);
    await this.acceptance.checkAndConsume(body);
    const token = body.token as string;
    const publicData = this.publicData(body.type as PaymentSourceType, token, body);
    const source: PaymentSourceRecord = {
      id: this.rt.store.nextSourceId++,
      type: body.type as PaymentSourceType,
      token,
      customerEmail: body.customer_email as string,
      status: 'AVAILABLE',
      publicData,
    };
    this.rt.store.sources.set(source.id, source);
    return { data: this.sourceView(source), meta: {} };
  }

  /**
   * The token must exist (422 on `token`) and be usable: APPROVED, or AVAILABLE for a
   * TRANSACTION-type Bancolombia token; anything else is "La fuente de pago ha sido declinada".
   */
  private publicData(type: PaymentSourceType, token: string, body: Obj): Obj {
    const missing = () => wompiErrors.field('token', 'El token no existe o ya expiró');
    switch (type) {
      case 'CARD': {
        if (!this.rt.store.cardTokens.has(token)) throw missing();
        return { type };
      }
      case 'NEQUI': {
        const nequi = this.rt.store.nequiTokens.get(token);
        if (!nequi) throw missing();
        if (nequi.status !== 'APPROVED') throw wompiErrors.unprocessable(MSG.sourceDeclined);
        return { type, phone_number: nequi.phoneNumber };
      }
      case 'DAVIPLATA': {
        const davi = this.rt.store.daviplataTokens.get(token);
        if (!davi) throw missing();
        if (davi.status !== 'APPROVED') throw wompiErrors.unprocessable(MSG.sourceDeclined);
        return {
          type,
          type_document: davi.typeDocument,
          number_document: davi.numberDocument,
          phone_number: davi.phoneNumber,
        };
      }
      case 'BANCOLOMBIA_TRANSFER': {
        const bc = this.rt.store.bancolombiaTokens.get(token);
        if (!bc) throw missing();
        if (bc.status !== (bc.typeAuth === 'TOKEN' ? 'APPROVED' : 'AVAILABLE'))
          throw wompiErrors.unprocessable(MSG.sourceDeclined);
        return {
          type,
          payment_description: body.payment_description,
          bank_account_type: bc.bankAccountType,
          bank_account_last_four: bc.bankAccountLastFour,
        };
      }
    }
  }

  getSource(id: string): Obj {
    const source = /^\d+$/.test(id) ? this.rt.store.sources.get(Number(id)) : undefined;
    if (!source) throw wompiErrors.notFound();
    return { data: this.sourceView(source), meta: {} };
  }

  voidSource(id: string): Obj {
    const source = /^\d+$/.test(id) ? this.rt.store.sources.get(Number(id)) : undefined;
    if (!source) throw wompiErrors.notFound();
    source.status = 'VOIDED';
    return { data: this.sourceView(source), meta: {} };
  }

  private sourceView(s: PaymentSourceRecord): Obj {
    return {
      id: s.id,
      public_data: s.publicData,
      token: s.token,
      type: s.type,
      status: s.status,
      customer_email: s.customerEmail,
    };
  }

  /** POST /payment_links (docs/wompi.md#payment-links): every problem at once, nested objects Wompi style. */
  createLink(body: Obj): Obj {
    const messages: FieldMessages = {};
    for (const k of ['name', 'description']) {
      if (body[k] === undefined || body[k] === null || body[k] === '') messages[k] = [MSG.notPresent];
      else if (typeof body[k] !== 'string') messages[k] = [MSG.notText];
    }
    for (const k of ['single_use', 'collect_shipping']) {
      if (body[k] === undefined) messages[k] = [MSG.notPresent];
      else if (typeof body[k] !== 'boolean') messages[k] = [MSG.notBoolean];
    }
    if (
      body.collect_customer_legal_id !== undefined &&
      body.collect_customer_legal_id !== null &&
      typeof body.collect_customer_legal_id !== 'boolean'
    ) {
      messages.collect_customer_legal_id = [MSG.notBoolean];
    }
    if (body.currency === undefined) messages.currency = [MSG.notPresent];
    else if (body.currency !== 'COP') messages.currency = [MSG.currency];
    const amount = body.amount_in_cents;
    if (amount !== undefined && amount !== null) {
      if (!Number.isInteger(amount)) messages.amount_in_cents = [MSG.notInteger];
      else if ((amount as number) < 1) messages.amount_in_cents = [MSG.greaterThanZero];
      else if ((amount as number) > MAX_AMOUNT_IN_CENTS)
        messages.amount_in_cents = [`Debe ser menor o igual a ${MAX_AMOUNT_IN_CENTS}`];
    }
    if (body.expires_at !== undefined && body.expires_at !== null && !isIsoUtc(body.expires_at))
      messages.expires_at = [MSG.badFormat];
    for (const k of ['redirect_url', 'image_url']) {
      const v = body[k];
      if (v !== undefined && v !== null && (typeof v !== 'string' || !/^https?:\/\/\S+$/.test(v) || !URL.canParse(v)))
        messages[k] = [MSG.badFormat];
    }
    if (body.sku !== undefined && body.sku !== null) {
      if (typeof body.sku !== 'string') messages.sku = [MSG.notText];
      else if (body.sku.length > 36) messages.sku = ['Debe tener máximo 36 caracteres'];
    }
    const customer = linkCustomerData(body.customer_data);
    if (customer) messages.customer_data = customer;
    const taxes = linkTaxes(body.taxes);
    if (taxes) messages.taxes = taxes;
    if (Object.keys(messages).length) throw wompiErrors.validation(messages);
    const now = new Date().toISOString();
    const link: Obj = {
      id: paymentLinkId(),
      active: true,
      name: body.name,
      description: body.description,
      single_use: body.single_use,
      collect_shipping: body.collect_shipping,
      collect_customer_legal_id: body.collect_customer_legal_id ?? false,
      amount_in_cents: amount ?? null,
      currency: 'COP',
    };
    for (const k of [
      'signature',
      'reference',
      'expiration_time',
      'sku',
      'expires_at',
      'redirect_url',
      'image_url',
      'customer_data',
      'taxes',
    ])
      link[k] = body[k] ?? null;
    link.created_at = now;
    link.updated_at = now;
    this.rt.store.links.set(link.id as string, link);
    return { data: link, meta: {} };
  }

  getLink(id: string): Obj {
    const link = this.rt.store.links.get(id);
    if (!link) throw wompiErrors.notFound();
    return { data: link, meta: {} };
  }

  /** PATCH /payment_links/{id}: only `active` is documented (docs/wompi.md#payment-links); anything else is refused. */
  updateLink(id: string, body: Obj): Obj {
    const link = this.rt.store.links.get(id);
    if (!link) throw wompiErrors.notFound();
    const messages: Record<string, string[]> = {};
    if (body.active === undefined) messages.active = [MSG.notPresent];
    else if (typeof body.active !== 'boolean') messages.active = [MSG.notBoolean];
    for (const k of Object.keys(body)) if (k !== 'active') messages[k] = [MSG.notAllowed];
    if (Object.keys(messages).length) throw wompiErrors.validation(messages);
    link.active = body.active;
    link.updated_at = new Date().toISOString();
    return { data: link, meta: {} };
  }
}

const LINK_TAX_TYPES = ['VAT', 'CONSUMPTION'] as const;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** ISO 8601 in UTC (`Z` or `+00:00`), e.g. `2026-12-31T23:59:59.000Z`. */
const isIsoUtc = (v: unknown): boolean =>
  typeof v === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|\+00:00)$/.test(v) &&
  !Number.isNaN(Date.parse(v));

/** `customer_data.customer_references`: at most 2 items `{label, is_required}`. */
function linkCustomerData(v: unknown): FieldMessages[string] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return [MSG.notObject];
  const refs = v.customer_references;
  if (refs === undefined || refs === null) return undefined;
  if (!Array.isArray(refs)) return { messages: { customer_references: [MSG.notList] } };
  if (refs.length > 2) return { messages: { customer_references: ['Debe tener máximo 2 elementos'] } };
  const items: FieldMessages = {};
  refs.forEach((ref: unknown, i) => {
    if (!isObj(ref)) {
      items[String(i)] = [MSG.notObject];
      return;
    }
    const m: Record<string, string[]> = {};
    if (ref.label === undefined || ref.label === null || ref.label === '') m.label = [MSG.notPresent];
    else if (typeof ref.label !== 'string') m.label = [MSG.notText];
    if (ref.is_required === undefined || ref.is_required === null) m.is_required = [MSG.notPresent];
    else if (typeof ref.is_required !== 'boolean') m.is_required = [MSG.notBoolean];
    if (Object.keys(m).length) items[String(i)] = { messages: m };
  });
  return Object.keys(items).length ? { messages: { customer_references: { messages: items } } } : undefined;
}

/** `taxes`: items `{type: VAT|CONSUMPTION, amount_in_cents}` or `{type, percentage}`. */
function linkTaxes(v: unknown): FieldMessages[string] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return [MSG.notList];
  const items: FieldMessages = {};
  v.forEach((tax: unknown, i) => {
    if (!isObj(tax)) {
      items[String(i)] = [MSG.notObject];
      return;
    }
    const m: Record<string, string[]> = {};
    if (tax.type === undefined || tax.type === null || tax.type === '') m.type = [MSG.notPresent];
    else if (!(LINK_TAX_TYPES as readonly unknown[]).includes(tax.type))
      m.type = [`Debe ser uno de estos: ${LINK_TAX_TYPES.join(', ')}`];
    const hasAmount = tax.amount_in_cents !== undefined && tax.amount_in_cents !== null;
    const hasPercentage = tax.percentage !== undefined && tax.percentage !== null;
    if (hasAmount && hasPercentage) m.percentage = ['No se puede enviar junto con amount_in_cents'];
    else if (!hasAmount && !hasPercentage) m.amount_in_cents = ['Debe enviarse amount_in_cents o percentage'];
    else if (hasAmount) {
      if (!Number.isInteger(tax.amount_in_cents)) m.amount_in_cents = [MSG.notInteger];
      else if ((tax.amount_in_cents as number) < 1) m.amount_in_cents = [MSG.greaterThanZero];
    } else if (typeof tax.percentage !== 'number' || !Number.isFinite(tax.percentage)) m.percentage = [MSG.notNumber];
    else if (tax.percentage <= 0 || tax.percentage > 100) m.percentage = ['Debe estar entre 0 y 100'];
    if (Object.keys(m).length) items[String(i)] = { messages: m };
  });
  return Object.keys(items).length ? { messages: items } : undefined;
}
