/* The transactions routes are documented in the OpenAPI document, with examples. */
import { startTestApp, TestApp } from '../support/app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OpenAPI: transactions', () => {
  let t: TestApp;
  let doc: Json;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    doc = (await (await fetch(`${t.url}/docs-json`)).json()) as Json;
  });
  afterAll(async () => t?.close());

  it('documents every route with its tag, auth and examples', () => {
    const routes: [string, string, string][] = [
      ['/v1/transactions', 'post', '201'],
      ['/v1/transactions', 'get', '200'],
      ['/v1/transactions/{id}', 'get', '200'],
      ['/v1/transactions/confirm', 'post', '200'],
      ['/v1/transactions/{id}/void', 'post', '200'],
    ];
    for (const [path, method, ok] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op).toBeDefined();
      expect(op.tags).toContain('transactions');
      expect(op.security).toEqual(expect.arrayContaining([{ internal: [] }]));
      expect(op.responses[ok].content['application/json'].example).toBeDefined();
    }
    for (const [path, method] of [
      ['/v1/transactions', 'post'],
      ['/v1/transactions/{id}/void', 'post'],
    ]) {
      const header = doc.paths[path][method].parameters.find(
        (p: Json) => p.in === 'header' && p.name === 'Idempotency-Key',
      );
      expect(header).toMatchObject({ required: true });
    }
    expect(Object.keys(doc.paths['/v1/transactions'].post.requestBody.content['application/json'].examples)).toEqual([
      'card',
      'pse',
    ]);
  });

  it('documents every payment method as a discriminated schema with examples', () => {
    const schemas = doc.components.schemas;
    const method = schemas.CreateTransactionDto.properties.payment_method;
    expect(method.oneOf).toHaveLength(9);
    expect(method.discriminator.propertyName).toBe('type');
    expect(schemas.PseMethodDto.properties.user_legal_id_type.enum).toEqual([
      'RC',
      'TI',
      'CC',
      'TE',
      'CE',
      'NIT',
      'PP',
      'DNI',
    ]);
    expect(schemas.CreateTransactionDto.properties.amount_in_cents).toMatchObject({
      minimum: 150000,
      example: 2490000,
    });
  });
});
