import { CUSTOMER_LEGAL_ID_TYPES } from '../domain/test-data';
import { FieldMessages, MSG } from '../domain/wompi-error';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const regions = new Intl.DisplayNames(['es'], { type: 'region', fallback: 'none' });

/** ISO 3166-1 alpha-2, any case (docs/wompi.md#creating-a-transaction "ISO2"). */
export function isIso2Country(v: unknown): boolean {
  if (typeof v !== 'string' || !/^[A-Za-z]{2}$/.test(v)) return false;
  const code = v.toUpperCase();
  return code !== 'ZZ' && regions.of(code) !== undefined;
}

/** Collects `{field: [msg]}` for one object's text fields. */
class Fields {
  readonly messages: Record<string, string[]> = {};
  constructor(private readonly o: Obj) {}

  text(field: string, required: boolean): string | undefined {
    const v = this.o[field];
    if (v === undefined || v === null || v === '') {
      if (required) this.messages[field] = [MSG.notPresent];
    } else if (typeof v !== 'string') this.messages[field] = [MSG.notText];
    else return v;
    return undefined;
  }

  result(): FieldMessages[string] | undefined {
    return Object.keys(this.messages).length ? { messages: this.messages } : undefined;
  }
}

/**
 * `customer_data` and `shipping_address` of POST /transactions (docs/wompi.md#creating-a-transaction): both optional;
 * when sent, the starred sub-fields are required, `legal_id_type` is one of the documented
 * types and `country` is ISO 3166-1 alpha-2. Other sub-fields (e.g. `device_id`) pass through.
 * Messages nest like `payment_method`'s: `{customer_data: {messages: {full_name: [...]}}}`.
 */
export function buyerDataMessages(body: Obj): FieldMessages | undefined {
  const messages: FieldMessages = {};
  const customer = customerData(body.customer_data);
  if (customer) messages.customer_data = customer;
  const shipping = shippingAddress(body.shipping_address);
  if (shipping) messages.shipping_address = shipping;
  return Object.keys(messages).length ? messages : undefined;
}

function customerData(v: unknown): FieldMessages[string] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return [MSG.notObject];
  const f = new Fields(v);
  f.text('full_name', true);
  f.text('phone_number', false);
  f.text('legal_id', false);
  const type = f.text('legal_id_type', false);
  if (type !== undefined && !(CUSTOMER_LEGAL_ID_TYPES as readonly string[]).includes(type)) {
    f.messages.legal_id_type = [`Debe ser uno de estos: ${CUSTOMER_LEGAL_ID_TYPES.join(', ')}`];
  }
  return f.result();
}

function shippingAddress(v: unknown): FieldMessages[string] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return [MSG.notObject];
  const f = new Fields(v);
  f.text('address_line_1', true);
  f.text('address_line_2', false);
  const country = f.text('country', true);
  if (country !== undefined && !isIso2Country(country)) f.messages.country = [MSG.country];
  f.text('region', true);
  f.text('city', true);
  f.text('name', false);
  f.text('phone_number', true);
  f.text('postal_code', false);
  return f.result();
}
