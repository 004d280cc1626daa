import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { paymentLinkId } from '../domain/ids';
import { MSG, wompiErrors } from '../domain/wompi-error';
import { AcceptanceService } from './acceptance.service';
import { PaymentSourceRecord, PaymentSourceType } from './sandbox-store';

type Obj = Record<string, unknown>;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SOURCE_TYPES = ['CARD', 'NEQUI', 'DAVIPLATA', 'BANCOLOMBIA_TRANSFER'] as const;

/** Payment sources (REFERENCE §4.5) and payment links (§4.12). */
@Injectable()
export class SourcesLinksService {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(AcceptanceService) private readonly acceptance: AcceptanceService,
  ) {}

  async createSource(body: Obj): Promise<Obj> {
    const messages: Record<string, string[]> = {};
    if (!(SOURCE_TYPES as readonly unknown[]).includes(body.type)) messages.type = [`Debe ser uno de estos: ${SOURCE_TYPES.join(', ')}`];
    if (typeof body.token !== 'string' || body.token === '') messages.token = [MSG.notPresent];
    if (typeof body.customer_email !== 'string' || !EMAIL.test(body.customer_email)) {
      messages.customer_email = [body.customer_email === undefined ? MSG.notPresent : MSG.email];
    }
    if (body.type === 'BANCOLOMBIA_TRANSFER') {
      const d = body.payment_description;
      if (d === undefined || d === null || d === '') messages.payment_description = [MSG.notPresent];
      else if (typeof d !== 'string') messages.payment_description = ['Debe ser texto'];
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
        return { type, type_document: davi.typeDocument, number_document: davi.numberDocument, phone_number: davi.phoneNumber };
      }
      case 'BANCOLOMBIA_TRANSFER': {
        const bc = this.rt.store.bancolombiaTokens.get(token);
        if (!bc) throw missing();
        if (bc.status !== (bc.typeAuth === 'TOKEN' ? 'APPROVED' : 'AVAILABLE')) throw wompiErrors.unprocessable(MSG.sourceDeclined);
        return { type, payment_description: body.payment_description, bank_account_type: bc.bankAccountType, bank_account_last_four: bc.bankAccountLastFour };
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
    return { id: s.id, public_data: s.publicData, token: s.token, type: s.type, status: s.status, customer_email: s.customerEmail };
  }

  createLink(body: Obj): Obj {
    const messages: Record<string, string[]> = {};
    for (const k of ['name', 'description']) if (typeof body[k] !== 'string' || body[k] === '') messages[k] = [MSG.notPresent];
    for (const k of ['single_use', 'collect_shipping']) {
      if (body[k] === undefined) messages[k] = [MSG.notPresent];
      else if (typeof body[k] !== 'boolean') messages[k] = ['Debe ser un booleano'];
    }
    if (body.currency === undefined) messages.currency = [MSG.notPresent];
    else if (body.currency !== 'COP') messages.currency = [MSG.currency];
    const amount = body.amount_in_cents;
    if (amount !== undefined && amount !== null && !Number.isInteger(amount)) messages.amount_in_cents = [MSG.notInteger];
    if (typeof body.sku === 'string' && body.sku.length > 36) messages.sku = ['Debe tener máximo 36 caracteres'];
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
    for (const k of ['signature', 'reference', 'expiration_time', 'sku', 'expires_at', 'redirect_url', 'image_url', 'customer_data', 'taxes']) link[k] = body[k] ?? null;
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

  updateLink(id: string, body: Obj): Obj {
    const link = this.rt.store.links.get(id);
    if (!link) throw wompiErrors.notFound();
    if (body.active !== undefined && typeof body.active !== 'boolean') throw wompiErrors.field('active', 'Debe ser un booleano');
    if (typeof body.active === 'boolean') link.active = body.active;
    link.updated_at = new Date().toISOString();
    return { data: link, meta: {} };
  }
}
