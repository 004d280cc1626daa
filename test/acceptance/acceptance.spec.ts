/* GET /v1/acceptance against the sandbox: a fresh pair each call, permalinks and types, and a
 * 503 with Retry-After when Wompi is down. */
import { startTestApp, TestApp } from '../support/app';
import { get } from '../idempotency/helpers';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

async function faults(t: TestApp, body: unknown): Promise<void> {
  const res = await fetch(`${t.sandbox.origin}/__sandbox/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`faults: ${res.status} ${await res.text()}`);
}

describe('GET /v1/acceptance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { WOMPI_BREAKER_COOLDOWN_MS: '200' } });
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await faults(t, {});
  });

  it('returns both tokens with their permalinks and types', async () => {
    const r = await get(t, '/v1/acceptance');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const b = r.body;
    expect(b.acceptance_token).toMatch(JWT);
    expect(b.accept_personal_auth).toMatch(JWT);
    expect(b.acceptance_token).not.toBe(b.accept_personal_auth);
    expect(b.presigned_acceptance).toMatchObject({
      acceptance_token: b.acceptance_token,
      type: 'END_USER_POLICY',
      permalink: expect.stringMatching(/^https:\/\//),
    });
    expect(b.presigned_personal_data_auth).toMatchObject({
      acceptance_token: b.accept_personal_auth,
      type: 'PERSONAL_DATA_AUTH',
      permalink: expect.stringMatching(/^https:\/\//),
    });
    expect(b.permalinks).toEqual({
      end_user_policy: b.presigned_acceptance.permalink,
      personal_data_auth: b.presigned_personal_data_auth.permalink,
    });
    expect(b.permalinks.end_user_policy).not.toBe(b.permalinks.personal_data_auth);
    expect(Object.keys(b).sort()).toEqual([
      'accept_personal_auth',
      'acceptance_token',
      'expires_at',
      'permalinks',
      'presigned_acceptance',
      'presigned_personal_data_auth',
    ]);
    if (b.expires_at !== null) expect(Date.parse(b.expires_at)).toBeGreaterThan(Date.now());
  });

  it('every call is a fresh pair (tokens are single-use)', async () => {
    const [a, b] = await Promise.all([get(t, '/v1/acceptance'), get(t, '/v1/acceptance')]);
    const c = await get(t, '/v1/acceptance');
    const tokens = [a, b, c].map((r) => r.body.acceptance_token);
    expect(new Set(tokens).size).toBe(3);
    expect(new Set([a, b, c].map((r) => r.body.accept_personal_auth)).size).toBe(3);
  });

  it('needs an internal API key', async () => {
    const r = await get(t, '/v1/acceptance', {});
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });

  it('Wompi down → 503 problem with Retry-After', async () => {
    await faults(t, { fail_next: { count: 50, status: 503, method: 'GET' } });
    const r = await get(t, '/v1/acceptance');
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.body).toMatchObject({ status: 503, code: 'GATEWAY_UNAVAILABLE', error_id: expect.any(String) });
  });

  it('is documented in OpenAPI with an example', async () => {
    /* eslint-disable @typescript-eslint/no-explicit-any */
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as {
      paths: Record<string, any>;
      components: { schemas: Record<string, any> };
    };
    /* eslint-enable @typescript-eslint/no-explicit-any */
    expect(doc.paths['/v1/acceptance'].get.responses['200'].content['application/json'].schema.$ref).toContain(
      'AcceptanceResponse',
    );
    expect(doc.components.schemas.AcceptanceResponse.properties.acceptance_token.example).toEqual(
      expect.stringMatching(JWT),
    );
  });
});
