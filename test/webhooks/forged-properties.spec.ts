/* Issue 11, finding 2: `signature.properties` is the sender's choice and is not itself signed.
 * A genuine event's signed values moved into dummy fields, with `properties` pointing at them,
 * still pass the checksum — so the ingress also requires the properties to cover what the
 * service acts on (src/wompi/signed-properties.ts). With verify-by-fetch off this forgery
 * approved a 9,900,000-cent payment, wrote a fulfilment and published transaction.approved. */
import { randomBytes } from 'node:crypto';
import { verifyEventChecksum } from '../../src/wompi/signatures';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { pgQuery } from '../support/services';
import {
  BusObserver,
  fulfilmentRows,
  insertPayment,
  newReference,
  observeBus,
  paymentRow,
  syntheticTx,
} from '../fulfilment/support';
import { checksum, deliver, inboxRows, Json, metricValue, signedEvent, txId } from './support';

describe('webhook ingress: the checksum must cover the fields the service acts on', () => {
  let t: TestApp;
  let bus: BusObserver;
  let secret: string;

  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { WOMPI_VERIFY_APPROVED_BY_FETCH: 'false' } });
    bus = await observeBus(t.config.amqpExchange);
    secret = t.sandbox.keys.eventsSecret;
  });
  afterAll(async () => {
    await bus?.close();
    await t?.close();
  });

  const rejected = () => metricValue(t, 'webhook_events_rejected_total', '{reason="properties_incomplete"}');
  const inboxCount = async () => (await inboxRows(t)).length;

  /** A genuine transaction.updated: Wompi's properties, signed with the merchant's events secret. */
  const WOMPI_PROPERTIES = ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'];
  const genuine = (reference = newReference('cheap'), amount = 150_000) =>
    signedEvent(secret, {
      data: { transaction: syntheticTx(reference, amount, 'APPROVED', txId()) },
      properties: WOMPI_PROPERTIES,
    });

  it('signed values moved into dummy fields → 401 properties_incomplete; nothing stored, fulfilled or published', async () => {
    const reference = newReference('forged');
    const paymentId = await insertPayment(t.db.url, { reference, amountInCents: 9_900_000 });
    const real = genuine();
    const tx = real.data.transaction as Json;
    const forged: Json = {
      ...real,
      data: {
        transaction: {
          ...syntheticTx(reference, 9_900_000, 'APPROVED', txId()),
          _s0: tx.id,
          _s1: tx.status,
          _s2: tx.amount_in_cents,
        },
      },
      signature: {
        checksum: real.signature.checksum,
        properties: ['transaction._s0', 'transaction._s1', 'transaction._s2'],
      },
    };
    // the attack: the checksum alone verifies
    expect(verifyEventChecksum(forged as never, undefined, [secret])).toEqual({ valid: true, secretIndex: 0 });

    const before = { rejected: await rejected(), inbox: await inboxCount() };
    const res = await deliver(t, forged);
    expect(res.status).toBe(401);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'INVALID_SIGNATURE', reason: 'properties_incomplete' });
    expect(res.body.errors['signature.properties'].join(' ')).toMatch(
      /must sign transaction\.id, transaction\.status, transaction\.amount_in_cents/,
    );
    expect(await rejected()).toBe(before.rejected + 1);
    expect(await inboxCount()).toBe(before.inbox);

    // a genuine event for another payment goes all the way to the bus: once it is there, the
    // forged one would have been too
    const controlRef = newReference('control');
    const controlId = await insertPayment(t.db.url, { reference: controlRef, amountInCents: 150_000 });
    const control = genuine(controlRef);
    expect((await deliver(t, control)).status).toBe(200);
    await waitFor(
      'the control payment on the bus',
      async () => bus.messages.some((m) => m.event.subject === controlRef),
      20_000,
    );
    expect(bus.messages.filter((m) => m.event.subject === reference)).toEqual([]);
    expect(bus.messages.some((m) => m.event.subject === controlRef && m.event.type === 'transaction.approved')).toBe(
      true,
    );
    expect(await fulfilmentRows(t.db.url, paymentId)).toEqual([]);
    expect((await fulfilmentRows(t.db.url, controlId)).length).toBe(1);
    expect(await paymentRow(t, paymentId)).toMatchObject({ status: 'PENDING' });
  });

  it('properties missing the status → 401 properties_incomplete, nothing stored', async () => {
    const ev = signedEvent(secret, { properties: ['transaction.id', 'transaction.amount_in_cents'] });
    const before = await inboxCount();
    const res = await deliver(t, ev);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      reason: 'properties_incomplete',
      errors: { 'signature.properties': ['must sign transaction.status'] },
    });
    expect(await inboxCount()).toBe(before);
  });

  it('the complete list plus a dummy field, or with a duplicate → 401', async () => {
    const extra = signedEvent(secret, {
      data: { transaction: { ...syntheticTx(newReference('x'), 150_000, 'APPROVED', txId()), _s0: 'x' } },
      properties: [...WOMPI_PROPERTIES, 'transaction._s0'],
    });
    const dup = signedEvent(secret, {
      properties: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents', 'transaction.id'],
    });
    for (const ev of [extra, dup]) {
      const res = await deliver(t, ev);
      expect(res.status).toBe(401);
      expect(res.body.reason).toBe('properties_incomplete');
    }
  });

  it("the required set in another order than Wompi's → 200 (the checksum covers the sender's order)", async () => {
    const ev = signedEvent(secret, {
      properties: ['transaction.amount_in_cents', 'transaction.id', 'transaction.status'],
    });
    const res = await deliver(t, ev);
    expect(res.status).toBe(200);
    expect(
      (await inboxRows(t)).some((r) => r.event_key === `transaction.updated:${ev.data.transaction.id}:APPROVED`),
    ).toBe(true);
  });

  it('a Nequi token event must sign the token id and status', async () => {
    const token = {
      id: `nequi_test_${randomBytes(6).toString('hex')}`,
      status: 'APPROVED',
      phone_number: '3991111111',
    };
    const idOnly = signedEvent(secret, {
      event: 'nequi_token.updated',
      data: { nequi_token: token },
      properties: ['nequi_token.id'],
    });
    expect((await deliver(t, idOnly)).body.reason).toBe('properties_incomplete');
    const both = signedEvent(secret, {
      event: 'nequi_token.updated',
      data: { nequi_token: token },
      properties: ['nequi_token.id', 'nequi_token.status'],
    });
    expect((await deliver(t, both)).status).toBe(200);
  });

  it('a bad checksum is still bad_checksum, whatever the properties', async () => {
    const ev = signedEvent(secret, { properties: ['transaction.id'] });
    ev.signature.checksum = checksum(ev as never, 'test_events_not_ours');
    expect((await deliver(t, ev)).body.reason).toBe('bad_checksum');
    const rows = await pgQuery(t.db.url, 'select 1 from webhook_inbox where event_key = $1', [
      `transaction.updated:${ev.data.transaction.id}:APPROVED`,
    ]);
    expect(rows).toEqual([]);
  });
});
