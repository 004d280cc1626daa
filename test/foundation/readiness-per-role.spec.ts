/* Readiness per role, probed the way the chart's readinessProbe does (period, timeout and
 * failure threshold read from helm/payments/values.yaml): with Redis away for longer than the
 * kubelet needs to mark a pod unready, the api stays ready (Redis is information only: creates
 * and webhooks work without it) while the worker goes unready; both come back with Redis. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { OwnRedis } from '../support/own-redis';

interface Probe {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}
const values = parse(readFileSync(join(__dirname, '..', '..', 'helm', 'payments', 'values.yaml'), 'utf8')) as {
  probes: { readiness: Probe };
};
const probe = values.probes.readiness;

/** One kubelet-style probe: success is a 2xx within timeoutSeconds. */
async function probeOnce(
  url: string,
): Promise<{ ok: boolean; status?: number; body?: Record<string, Record<string, Record<string, unknown>>> }> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(probe.timeoutSeconds * 1000) });
    return { ok: res.status >= 200 && res.status < 300, status: res.status, body: (await res.json()) as never };
  } catch {
    return { ok: false };
  }
}

describe('readiness per role, with the chart probe settings', () => {
  let redis: OwnRedis;
  let api: TestApp;
  let worker: TestApp;
  beforeAll(async () => {
    redis = await OwnRedis.create();
    [api, worker] = await Promise.all([
      startTestApp({ env: { ROLE: 'api', REDIS_URL: redis.url }, wireWebhooks: false }),
      startTestApp({ env: { ROLE: 'worker', REDIS_URL: redis.url }, wireWebhooks: false }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await redis?.start().catch(() => undefined); // let Bull close cleanly
    await api?.close();
    await worker?.close();
    await redis?.stop();
  });

  it('Redis down for longer than periodSeconds × failureThreshold: the api stays ready, the worker goes unready; both ready when it returns', async () => {
    expect(probe.periodSeconds * probe.failureThreshold).toBeGreaterThan(0);
    expect((await probeOnce(api.url)).status).toBe(200);
    expect((await probeOnce(worker.url)).status).toBe(200);

    await redis.stop();
    // the kubelet's view over a window one period longer than it takes to mark a pod unready
    const windowMs = probe.periodSeconds * (probe.failureThreshold + 1) * 1000;
    const until = Date.now() + windowMs;
    const apiResults: Awaited<ReturnType<typeof probeOnce>>[] = [];
    const workerResults: Awaited<ReturnType<typeof probeOnce>>[] = [];
    while (Date.now() < until) {
      const next = Date.now() + probe.periodSeconds * 1000;
      const [a, w] = await Promise.all([probeOnce(api.url), probeOnce(worker.url)]);
      apiResults.push(a);
      workerResults.push(w);
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    expect(apiResults.length).toBeGreaterThan(probe.failureThreshold);
    // api: every single probe passed, Redis reported down as information
    expect(apiResults.map((r) => r.status)).toEqual(apiResults.map(() => 200));
    const last = apiResults[apiResults.length - 1].body!;
    expect(last.info.redis).toMatchObject({ status: 'down', required: false });
    expect(last.info.database.status).toBe('up');
    expect(last.error).toEqual({});
    // worker: failureThreshold consecutive failures, i.e. the kubelet removes it
    let run = 0;
    let maxRun = 0;
    for (const r of workerResults) {
      run = r.ok ? 0 : run + 1;
      maxRun = Math.max(maxRun, run);
    }
    expect(maxRun).toBeGreaterThanOrEqual(probe.failureThreshold);
    const w = workerResults[workerResults.length - 1];
    expect(w.status).toBe(503);
    expect(w.body!.error.redis.status).toBe('down');

    await redis.start();
    await waitFor(
      'the worker to be ready again',
      async () => (await probeOnce(worker.url)).status === 200,
      15_000,
      200,
    );
    const back = await probeOnce(api.url);
    expect(back.status).toBe(200);
    expect(back.body!.info.redis).toMatchObject({ status: 'up', required: false });
  }, 90_000);
});
