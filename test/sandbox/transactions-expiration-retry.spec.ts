/* Sandbox contract: a signed expiration_time that has passed is refused the way Wompi refuses to
 * pay an expired checkout (422 INPUT_VALIDATION_ERROR on expiration_time; the words are the
 * sandbox's own, docs/wompi.md#uncertain-points-and-our-choices), after the signature and before
 * the amount; nothing is created. And the widget's "reintento" admin route: another transaction
 * with the same reference (docs/wompi.md#reading-and-searching-transactions), which POST /transactions itself refuses. */
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { call, cardToken, integrity, Json, MESSAGES, newRef, startFast, txBody, waitForStatus } from './helpers';

const EXPIRED = 'La fecha de expiración ya pasó'; // the sandbox's choice (no real text known)

describe('sandbox: expired expiration_time and widget retries', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startFast();
  });
  afterAll(() => sb.close());

  const post = (body: Json) => call(sb, 'POST', '/transactions', { key: sb.keys.publicKey, body });
  const field = (messages: Record<string, unknown>) => ({ error: { type: 'INPUT_VALIDATION_ERROR', messages } });
  const byReference = async (reference: string) =>
    (await call(sb, 'GET', `/transactions?reference=${reference}`, { key: sb.keys.privateKey })).body.data as Json[];
  /** a card body signed with `expiration_time` (and `over` applied before signing) */
  const signed = async (expiration_time: string, over: Json = {}): Promise<Json> => {
    const b: Json = {
      ...(await txBody(sb, { type: 'CARD', token: await cardToken(sb, '4242424242424242'), installments: 1 })),
      expiration_time,
      ...over,
    };
    return {
      ...b,
      signature: integrity(b.reference, b.amount_in_cents, b.currency, sb.keys.integritySecret, expiration_time),
    };
  };

  it('a signed expiration_time in the past → 422 on expiration_time, nothing created', async () => {
    for (const past of ['2020-01-01T00:00:00.000Z', new Date(Date.now() - 1000).toISOString()]) {
      const b = await signed(past);
      const r = await post(b);
      expect(r.status).toBe(422);
      expect(r.body).toEqual(field({ expiration_time: [EXPIRED] }));
      expect(await byReference(b.reference)).toEqual([]);
    }
  });

  it('is checked after the signature and before the amount; an unreadable signed time is a format error', async () => {
    const past = '2020-01-01T00:00:00.000Z';
    // a tampered time is a bad signature first
    const b = await signed(new Date(Date.now() + 3_600_000).toISOString());
    expect((await post({ ...b, expiration_time: past })).body).toEqual(
      field({ signature: [MESSAGES.signature.invalid] }),
    );
    // past time and a too-small amount, both signed: the expiration is reported
    expect((await post(await signed(past, { amount_in_cents: 149_999 }))).body).toEqual(
      field({ expiration_time: [EXPIRED] }),
    );
    expect((await post(await signed('mañana'))).body).toEqual(field({ expiration_time: ['Formato inválido'] }));
  });

  it('a future expiration_time is paid as before', async () => {
    const b = await signed(new Date(Date.now() + 3_600_000).toISOString());
    const r = await post(b);
    expect(r.status).toBe(201);
    await waitForStatus(sb, r.body.data.id, 'APPROVED');
  });

  it('admin retry: another transaction with the same reference, finalised as asked (its event reaches the service: test/checkout/buyer-retry.spec.ts)', async () => {
    const b = await signed(new Date(Date.now() + 3_600_000).toISOString(), { reference: newRef('retry') });
    const first = (await post(b)).body.data as Json;
    await waitForStatus(sb, first.id, 'APPROVED');
    // POST /transactions refuses the used reference …
    expect((await post(await signed(b.expiration_time, { reference: b.reference }))).body).toEqual(
      field({ reference: [MESSAGES.sandbox_choice.reference_used] }),
    );
    // … the widget's reintento does not
    const r = await call(sb, 'POST', `/__sandbox/transactions/${first.id}/retry`, { body: { status: 'DECLINED' } });
    expect(r.status).toBe(201);
    const retry = r.body.data as Json;
    expect(retry).toMatchObject({
      reference: first.reference,
      amount_in_cents: first.amount_in_cents,
      currency: 'COP',
      payment_method_type: 'CARD',
      status: 'PENDING',
      finalized_at: null,
    });
    expect(retry.id).not.toBe(first.id);
    await waitForStatus(sb, retry.id, 'DECLINED');
    expect((await byReference(b.reference)).map((t) => [t.id, t.status]).sort()).toEqual(
      [
        [first.id, 'APPROVED'],
        [retry.id, 'DECLINED'],
      ].sort(),
    );

    expect(
      (
        await call(sb, 'POST', '/__sandbox/transactions/127050-1700000000-00000/retry', {
          body: { status: 'APPROVED' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(sb, 'POST', `/__sandbox/transactions/${first.id}/retry`, { body: { status: 'VOIDED' } })).status,
    ).toBe(422);
  });
});
