/* One circuit breaker per Wompi endpoint group: acceptance-token lookups failing until their
 * (merchant) breaker opens must not refuse card creates (transactions-write). */
import { randomUUID } from 'node:crypto';
import { WompiGateway } from '../../src/wompi/wompi-gateway.port';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { cardBody, sandboxFaults } from '../transactions/support';

describe('Wompi breakers per endpoint group', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        WOMPI_BREAKER_THRESHOLD: '5',
        WOMPI_BREAKER_COOLDOWN_MS: '60000',
        WOMPI_RETRY_ATTEMPTS: '1',
        LOG_LEVEL: 'fatal',
      },
    });
  });
  afterAll(async () => {
    await sandboxFaults(t.sandbox, {}).catch(() => undefined);
    await t?.close();
  });

  it('failing acceptance lookups open the merchant breaker; a card create still succeeds', async () => {
    // the buyer's acceptance tokens and card token, fetched before the fault is injected
    const body = await cardBody(t.sandbox);
    await sandboxFaults(t.sandbox, { fail_next: { count: 1000, status: 503, method: 'GET', path: '/v1/merchants' } });

    const gateway = t.app.get(WompiGateway);
    await waitFor(
      'the merchant breaker to open',
      async () => {
        const res = await fetch(`${t.url}/v1/acceptance`, { headers: t.auth });
        expect(res.status).toBe(503);
        return gateway.breakerState('merchant') === 'open';
      },
      15_000,
      10,
    );
    // refused without reaching Wompi now
    const refused = await fetch(`${t.url}/v1/acceptance`, { headers: t.auth });
    expect(refused.status).toBe(503);
    expect(gateway.breakerState('transactions-write')).toBe('closed');

    const created = await fetch(`${t.url}/v1/transactions`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(201);

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/wompi_breaker_state\{group="merchant"\} 2/);
    expect(metrics).toMatch(/wompi_breaker_state\{group="transactions-write"\} 0/);
    const ready = (await (await fetch(`${t.url}/health/ready`)).json()) as {
      info: { wompi: { breakers: Record<string, string> } };
    };
    expect(ready.info.wompi.breakers).toMatchObject({ merchant: 'open', 'transactions-write': 'closed' });
  });
});
