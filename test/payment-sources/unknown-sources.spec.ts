/* Only a source this service created for the caller can be charged. A Wompi source id we have no
 * row for — made at Wompi directly, or by a create whose answer was lost — is 404 naming
 * `payment_source_id`, exactly like another caller's source, so ids (sequential at Wompi) can't be
 * probed. The one way such a source becomes chargeable: its owner's UNKNOWN row adopts it when
 * Wompi's copy provably is that row's (same token, type and customer email). */
import { randomUUID } from 'node:crypto';
import { OTHER_CALLER, startTestApp, TestApp, TEST_CALLER, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import { acceptanceTokens, Api, cardToken, createBody, HttpAnswer, sandboxFaults } from '../transactions/support';
import { cardSourceBody, nequiSourceBody, wompiSource } from './support';

type Json = Record<string, unknown>;

describe('payment sources: ids this service has no (resolved) record of', () => {
  let t: TestApp;
  let api: Api;
  let other: Api;

  beforeAll(async () => {
    // a short timeout so the lost answer is quick
    t = await startTestApp({ env: { WOMPI_TIMEOUT_MS: '400' } });
    api = new Api(t);
    other = Api.other(t);
  });
  afterEach(async () => sandboxFaults(t.sandbox, {}));
  afterAll(async () => t?.close());

  const paymentsOf = async (caller: string) =>
    (await pgQuery(t.db.url, 'select 1 from payments where caller = $1', [caller])).length;
  const row = async (id: string) =>
    (
      await pgQuery<{ status: string; wompi_payment_source_id: string | null; caller: string }>(
        t.db.url,
        'select status, wompi_payment_source_id, caller from payment_sources where id = $1',
        [id],
      )
    )[0];
  /** the refusal every unknown or foreign id gets (error_id/instance-free parts) */
  const expectNotYours = (r: HttpAnswer) => {
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      code: 'NOT_FOUND',
      detail: 'Payment source not found for your API key',
      errors: { payment_source_id: ['no payment source with this id belongs to your API key'] },
    });
  };

  /** A source at Wompi that this service asked for but never heard back about: our row UNKNOWN. */
  async function ambiguousSource(body: Json): Promise<{ ours: string; wompiId: number }> {
    const probe = await api.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID());
    expect(probe.status).toBe(201);
    const wompiId = (probe.body.wompi_payment_source_id as number) + 1; // Wompi's ids are sequential
    await sandboxFaults(t.sandbox, {
      hang_next: { count: 1, method: 'POST', path: '/v1/payment_sources', apply: true },
    });
    const r = await api.post('/v1/payment-sources', body, randomUUID());
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({ code: 'GATEWAY_TIMEOUT', reason: 'outcome_unknown' });
    await sandboxFaults(t.sandbox, {});
    const ours = String(r.body.payment_source_id);
    expect(await row(ours)).toEqual({ status: 'UNKNOWN', wompi_payment_source_id: null, caller: TEST_CALLER });
    // Wompi did make it (the held request was applied)
    await waitFor(`source ${wompiId} at Wompi`, () => wompiSource(t.sandbox, wompiId));
    expect(await wompiSource(t.sandbox, wompiId)).toMatchObject({ type: body.type, token: body.token });
    return { ours, wompiId };
  }

  async function directAtWompi(): Promise<number> {
    const res = await fetch(`${t.sandbox.baseUrl}/payment_sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.sandbox.keys.privateKey}` },
      body: JSON.stringify({
        type: 'CARD',
        token: await cardToken(t.sandbox),
        customer_email: 'buyer@example.com',
        ...(await acceptanceTokens(t.sandbox)),
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { data: { id: number } }).data.id;
  }

  it('the audit case: another caller cannot charge the source behind our UNKNOWN row (404, nothing recorded or sent)', async () => {
    const { ours, wompiId } = await ambiguousSource(await cardSourceBody(t.sandbox));
    const before = await paymentsOf(OTHER_CALLER);
    const charge = await other.create(await createBody(t.sandbox, { payment_source_id: wompiId }));
    expectNotYours(charge);
    expect(await paymentsOf(OTHER_CALLER)).toBe(before);
    // b's attempt did not hand the row to b, nor resolve it
    expect(await row(ours)).toEqual({ status: 'UNKNOWN', wompi_payment_source_id: null, caller: TEST_CALLER });
  });

  it('a source made at Wompi directly is refused for every caller — also one holding UNKNOWN rows — exactly like a foreign one', async () => {
    await ambiguousSource(await cardSourceBody(t.sandbox)); // so the owner has an unresolved row to compare against
    const direct = await directAtWompi();
    const foreign = (await other.post('/v1/payment-sources', await cardSourceBody(t.sandbox), randomUUID())).body
      .wompi_payment_source_id as number;
    const [mineBefore, otherBefore] = [await paymentsOf(TEST_CALLER), await paymentsOf(OTHER_CALLER)];
    expectNotYours(await api.create(await createBody(t.sandbox, { payment_source_id: direct })));
    expectNotYours(await other.create(await createBody(t.sandbox, { payment_source_id: direct })));
    expectNotYours(await api.create(await createBody(t.sandbox, { payment_source_id: foreign })));
    // an id Wompi has never issued: the same answer
    expectNotYours(await api.create(await createBody(t.sandbox, { payment_source_id: direct + 10_000 })));
    expect([await paymentsOf(TEST_CALLER), await paymentsOf(OTHER_CALLER)]).toEqual([mineBefore, otherBefore]);
    expect(
      await pgQuery(t.db.url, 'select 1 from payment_sources where wompi_payment_source_id = $1', [direct]),
    ).toHaveLength(0);
  });

  it("the owner's charge adopts the ambiguous source when Wompi's copy has the row's token, type and email; then it is an ordinary source", async () => {
    const { ours, wompiId } = await ambiguousSource(await cardSourceBody(t.sandbox));
    const charge = await api.create(await createBody(t.sandbox, { payment_source_id: wompiId }));
    expect(charge.status).toBe(201);
    expect(charge.body.payment_method_type).toBe('CARD');
    expect((await api.settle(String(charge.body.id), ['APPROVED', 'DECLINED', 'ERROR'])).status).toBe('APPROVED');
    expect(await row(ours)).toEqual({
      status: 'AVAILABLE',
      wompi_payment_source_id: String(wompiId),
      caller: TEST_CALLER,
    });
    const read = await api.get(`/v1/payment-sources/${ours}`);
    expect(read.body).toMatchObject({
      id: ours,
      wompi_payment_source_id: wompiId,
      status: 'AVAILABLE',
      public_data: { type: 'CARD' },
    });
    // still the owner's only
    expectNotYours(await other.create(await createBody(t.sandbox, { payment_source_id: wompiId })));
    // and it can be voided, after which it is refused with 409
    expect((await api.post(`/v1/payment-sources/${ours}/void`, {}, randomUUID())).status).toBe(200);
    const voided = await api.create(await createBody(t.sandbox, { payment_source_id: wompiId }));
    expect(voided.status).toBe(409);
    expect(voided.body).toMatchObject({ code: 'INVALID_STATE', reason: 'payment_source_status' });
  });

  it('no adoption without proof: an UNKNOWN row does not take a source of another token, type or email', async () => {
    // the owner's UNKNOWN Nequi row; the source at Wompi carries that Nequi token
    const nequiBody = await nequiSourceBody(t.sandbox);
    const { ours } = await ambiguousSource(nequiBody);
    // a card source at Wompi with the same email but another token and type
    const direct = await directAtWompi();
    expectNotYours(await api.create(await createBody(t.sandbox, { payment_source_id: direct })));
    expect(await row(ours)).toEqual({ status: 'UNKNOWN', wompi_payment_source_id: null, caller: TEST_CALLER });

    // the right token and type but another customer email: refused too
    const tokenRow = await ambiguousSource(
      await cardSourceBody(t.sandbox, { customer_email: 'someone.else@example.com' }),
    );
    await pgQuery(t.db.url, `update payment_sources set customer_email = 'buyer@example.com' where id = $1`, [
      tokenRow.ours,
    ]);
    expectNotYours(await api.create(await createBody(t.sandbox, { payment_source_id: tokenRow.wompiId })));
    expect(await row(tokenRow.ours)).toEqual({ status: 'UNKNOWN', wompi_payment_source_id: null, caller: TEST_CALLER });
  });
});
