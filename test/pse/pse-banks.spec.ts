/* GET /v1/pse/financial-institutions: Wompi's PSE bank list for the PSE form, cached in memory
 * (a second call within the TTL never reaches Wompi). */
import { startTestApp, TestApp } from '../support/app';
import { Api, sandboxFaults } from '../transactions/support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PATH = '/v1/pse/financial-institutions';

describe('PSE banks', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false });
    api = new Api(t);
  });
  afterAll(async () => t?.close());

  const faults = async (): Promise<Json> =>
    (await fetch(`${t.sandbox.origin}/__sandbox/faults`)).json() as Promise<Json>;

  it('needs an internal API key', async () => {
    const r = await fetch(`${t.url}${PATH}`);
    expect(r.status).toBe(401);
  });

  it('answers {data: [{financial_institution_code, financial_institution_name}]} as Wompi lists them; the second call does not reach Wompi', async () => {
    const wompi = (await (
      await fetch(`${t.sandbox.baseUrl}/pse/financial_institutions`, {
        headers: { authorization: `Bearer ${t.sandbox.keys.publicKey}` },
      })
    ).json()) as Json;

    const first = await api.get<Json>(PATH);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(['data']);
    expect(first.body.data.length).toBeGreaterThanOrEqual(3);
    for (const bank of first.body.data)
      expect(Object.keys(bank).sort()).toEqual(['financial_institution_code', 'financial_institution_name']);
    expect(first.body.data).toEqual(wompi.data);
    expect(first.body.data[0]).toEqual({
      financial_institution_code: '1',
      financial_institution_name: expect.any(String),
    });

    // From now on Wompi answers the bank list with an error, once. A cached answer leaves the fault armed.
    await sandboxFaults(t.sandbox, {
      fail_next: { count: 1, status: 400, method: 'GET', path: '/v1/pse/financial_institutions' },
    });
    const second = await api.get<Json>(PATH);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await faults()).fail_next).toMatchObject({ count: 1 });
    // the fault was live: the first request that reaches Wompi consumes it
    const direct = await fetch(`${t.sandbox.baseUrl}/pse/financial_institutions`, {
      headers: { authorization: `Bearer ${t.sandbox.keys.publicKey}` },
    });
    expect(direct.status).toBe(400);
    expect((await faults()).fail_next).toBeUndefined();
  });

  it('is documented in OpenAPI with an example', async () => {
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as Json;
    const op = doc.paths[PATH].get;
    expect(op.tags).toContain('pse');
    expect(op.security).toEqual(expect.arrayContaining([{ internal: [] }]));
    expect(op.responses['200'].content['application/json'].example.data[0]).toHaveProperty(
      'financial_institution_code',
    );
  });
});
