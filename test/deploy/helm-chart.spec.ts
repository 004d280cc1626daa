/* The Helm chart, rendered by the real helm v4 binary with the default values and with the
 * production-like example, and asserted on what Kubernetes will actually run. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IService } from 'kubernetes-models/v1/Service';
import { loadConfig } from '../../src/config/load-config';
import { imageNodeOptions, imageUser } from './dockerfile';
import { CHART, FULL, K8sObject, PROD_VALUES, RELEASE, helm, ofKind, one, render } from './harness';

const SECRET_VARS = [
  'DATABASE_URL',
  'REDIS_URL',
  'AMQP_URL',
  'WOMPI_PUBLIC_KEY',
  'WOMPI_PRIVATE_KEY',
  'WOMPI_INTEGRITY_SECRET',
  'WOMPI_EVENTS_SECRET',
  'INTERNAL_API_KEYS',
];

function podSpec(o: K8sObject): IPodSpec {
  const spec = (o as unknown as IDeployment | IJob).spec?.template.spec;
  if (!spec) throw new Error(`${o.kind}/${o.metadata.name} has no pod template`);
  return spec;
}

function env(c: IContainer, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => ['Deployment', 'Job'].includes(o.kind));
}

it('helm lint --strict passes with the default values and with values-production.yaml', () => {
  for (const args of [[], ['-f', PROD_VALUES]]) {
    const r = helm(['lint', '--strict', CHART, ...args]);
    expect({ args, status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
    expect(r.stdout).toContain('0 chart(s) failed');
  }
});

describe.each([
  ['default values', [] as string[]],
  ['values-production.yaml', [PROD_VALUES]],
])('helm template with %s', (_label, files) => {
  const secretName = files.length ? 'payments-prod-secrets' : 'payments-secrets';
  let text = '';
  let objects: K8sObject[] = [];
  let configMap: K8sObject;
  beforeAll(() => {
    ({ text, objects } = render(files));
    configMap = one(objects, 'ConfigMap', FULL);
  });

  it('renders separate api and worker Deployments from one image, each with its ROLE', () => {
    const api = one(objects, 'Deployment', `${FULL}-api`);
    const worker = one(objects, 'Deployment', `${FULL}-worker`);
    expect(ofKind(objects, 'Deployment')).toHaveLength(2);
    const [a] = podSpec(api).containers;
    const [w] = podSpec(worker).containers;
    expect(env(a, 'ROLE')).toBe('api');
    expect(env(w, 'ROLE')).toBe('worker');
    expect(a.image).toBe(w.image);
    expect(a.command).toBeUndefined(); // the image's CMD: node dist/src/main.js
    // distinct selectors, or the two Deployments would fight over each other's pods
    const sel = (d: K8sObject) => JSON.stringify((d as unknown as IDeployment).spec!.selector.matchLabels);
    expect(sel(api)).not.toBe(sel(worker));
  });

  it('probes the terminus routes on the container port: startup+liveness /health/live, readiness /health/ready', () => {
    for (const d of ofKind(objects, 'Deployment')) {
      const c = podSpec(d).containers[0];
      const http = c.ports?.find((p) => p.name === 'http');
      expect(http?.containerPort).toBe(3000);
      expect(env(c, 'PORT')).toBe(String(http!.containerPort));
      const probes = { startup: c.startupProbe, liveness: c.livenessProbe, readiness: c.readinessProbe };
      expect(probes.startup?.httpGet?.path).toBe('/health/live');
      expect(probes.liveness?.httpGet?.path).toBe('/health/live');
      expect(probes.readiness?.httpGet?.path).toBe('/health/ready');
      for (const p of Object.values(probes)) expect([http!.name, http!.containerPort]).toContain(p!.httpGet!.port);
    }
  });

  it('gives node more time after SIGTERM than the app drains (grace period − preStop sleep > SHUTDOWN_TIMEOUT_MS)', () => {
    const shutdownMs = Number(configMap.data!.SHUTDOWN_TIMEOUT_MS);
    expect(shutdownMs).toBeGreaterThan(0);
    for (const d of ofKind(objects, 'Deployment')) {
      const c = podSpec(d).containers[0];
      const sleep = Number(/sleep (\d+)/.exec((c.lifecycle?.preStop?.exec?.command ?? []).join(' '))?.[1]);
      expect(sleep).toBeGreaterThan(0);
      expect((podSpec(d).terminationGracePeriodSeconds! - sleep) * 1000).toBeGreaterThan(shutdownMs);
    }
  });

  it('hardens every pod and container: non-root, read-only root fs with an emptyDir /tmp, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    const ws = workloads(objects);
    expect(ws.length).toBeGreaterThanOrEqual(3);
    for (const w of ws) {
      const spec = podSpec(w);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.automountServiceAccountToken).toBe(false);
      const tmp = spec.volumes?.find((v) => v.name === 'tmp');
      expect(tmp?.emptyDir).toBeDefined();
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect({ workload: w.metadata.name, container: c.name, sc: c.securityContext }).toMatchObject({
          sc: {
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
        });
        expect(c.securityContext?.capabilities?.add).toBeUndefined();
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(c.resources?.requests).toBeDefined();
      }
    }
  });

  it("runs every container as the image's own USER (parsed from the Dockerfile) with a read-only root filesystem", () => {
    const { uid, gid } = imageUser();
    expect(uid).toBeGreaterThan(0);
    for (const w of workloads(objects)) {
      const spec = podSpec(w);
      expect({ workload: w.metadata.name, pod: spec.securityContext }).toMatchObject({
        pod: { runAsUser: uid, runAsGroup: gid, fsGroup: gid },
      });
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect({ workload: w.metadata.name, container: c.name, sc: c.securityContext }).toMatchObject({
          sc: { runAsUser: uid, runAsGroup: gid, readOnlyRootFilesystem: true },
        });
      }
    }
  });

  it('runs node with the V8 heap flags of the image and `npm start`, sized within the memory limit', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(CHART, '..', '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const startFlags = pkg.scripts.start
      .split(/\s+/)
      .filter((a) => a.startsWith('--'))
      .join(' ');
    expect(startFlags).toMatch(/--max-old-space-size=\d+/);
    expect(imageNodeOptions()).toBe(startFlags);
    for (const d of ofKind(objects, 'Deployment')) {
      const [c] = podSpec(d).containers;
      const flags = env(c, 'NODE_OPTIONS') ?? '';
      expect({ deployment: d.metadata.name, flags }).toEqual({ deployment: d.metadata.name, flags: startFlags });
      const mb = (flag: string) => Number(new RegExp(`--${flag}=(\\d+)`).exec(flags)?.[1] ?? 0);
      const limit = String(c.resources?.limits?.memory ?? '');
      const limitMb = /^(\d+)Mi$/.exec(limit)
        ? Number(limit.slice(0, -2))
        : /^(\d+)Gi$/.exec(limit)
          ? Number(limit.slice(0, -2)) * 1024
          : NaN;
      // old generation + the young one (3 semi-spaces, V8's default 16 MB each) + ~100 MB for code, the binary and buffers
      expect(mb('max-old-space-size') + 3 * (mb('max-semi-space-size') || 16) + 100).toBeLessThanOrEqual(limitMb);
    }
  });

  it('keeps the OpenAPI UI off by default (DOCS_ENABLED=false; the Ingress never publishes it)', () => {
    expect(configMap.data!.DOCS_ENABLED).toBe('false');
    for (const ing of ofKind(objects, 'Ingress')) expect(JSON.stringify(ing)).not.toMatch(/\/docs|\/metrics/);
  });

  it('renders no Secret and no secret value: secrets come only by secretKeyRef from the existing Secret', () => {
    expect(ofKind(objects, 'Secret')).toHaveLength(0);
    expect(Object.keys(configMap.data!).filter((k) => SECRET_VARS.includes(k))).toEqual([]);
    // no key material and no credentials in URLs anywhere in the output
    expect(text).not.toMatch(/\b(pub|prv)_(test|prod)_[A-Za-z0-9]|\b(test|prod)_(integrity|events)_[A-Za-z0-9]/);
    expect(text).not.toMatch(/\b(postgres(ql)?|redis|rediss|amqps?):\/\/[^\s"']*@/);
    for (const d of ofKind(objects, 'Deployment')) {
      const c = podSpec(d).containers[0];
      for (const name of SECRET_VARS) {
        const e = c.env?.find((x) => x.name === name);
        expect({ name, value: e?.value, ref: e?.valueFrom?.secretKeyRef?.name }).toEqual({
          name,
          value: undefined,
          ref: secretName,
        });
      }
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect(e.value).toBeUndefined();
      for (const ef of c.envFrom ?? []) expect(ef.secretRef?.name ?? secretName).toBe(secretName);
    }
    const job = one(objects, 'Job', `${FULL}-migrate`);
    const dbUrl = podSpec(job).containers[0].env?.find((e) => e.name === 'DATABASE_URL');
    expect(dbUrl?.valueFrom?.secretKeyRef?.name).toBe(secretName);
  });

  it('renders the rate limits and TRUST_PROXY into the ConfigMap, values the service boots with', () => {
    const d = configMap.data!;
    expect(Object.keys(d)).toEqual(
      expect.arrayContaining([
        'RATE_LIMIT_ENABLED',
        'RATE_LIMIT_STORE',
        'RATE_LIMIT_INTERNAL_PER_MIN',
        'RATE_LIMIT_UNAUTHENTICATED_PER_MIN',
        'RATE_LIMIT_WEBHOOK_UNVERIFIED_PER_MIN',
        'TRUST_PROXY',
      ]),
    );
    const k = (p: string) => p + 'A'.repeat(32);
    const prod = files.length > 0;
    const secrets = {
      DATABASE_URL: 'postgres://db/payments',
      REDIS_URL: 'redis://redis:6379',
      INTERNAL_API_KEYS: 'orders:0123456789abcdef0123',
    };
    const keys = prod
      ? {
          WOMPI_PUBLIC_KEY: k('pub_prod_'),
          WOMPI_PRIVATE_KEY: k('prv_prod_'),
          WOMPI_INTEGRITY_SECRET: k('prod_integrity_'),
          WOMPI_EVENTS_SECRET: k('prod_events_'),
        }
      : {
          WOMPI_PUBLIC_KEY: k('pub_test_'),
          WOMPI_PRIVATE_KEY: k('prv_test_'),
          WOMPI_INTEGRITY_SECRET: k('test_integrity_'),
          WOMPI_EVENTS_SECRET: k('test_events_'),
        };
    const config = loadConfig({ ...d, ...secrets, ...keys });
    expect(config.rateLimits).toMatchObject({
      enabled: true,
      store: prod ? 'redis' : 'memory',
      internalPerMin: 60_000,
      unauthenticatedPerMin: 60,
      webhookUnverifiedPerMin: 60,
    });
    expect(config.trustProxy).toEqual(prod ? ['10.0.0.0/8'] : false);
    // the ingress must not throttle Wompi (verified deliveries are never limited)
    expect(
      JSON.stringify(objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.annotations ?? {})),
    ).not.toMatch(/limit-(rps|rpm|connections)/);
  });

  it('runs migrations in a pre-install/pre-upgrade hook Job with a delete policy, never at boot', () => {
    const job = one(objects, 'Job', `${FULL}-migrate`);
    const a = job.metadata.annotations ?? {};
    expect(a['helm.sh/hook']!.split(',').sort()).toEqual(['pre-install', 'pre-upgrade']);
    expect(a['helm.sh/hook-delete-policy']).toContain('before-hook-creation');
    expect(a['helm.sh/hook-delete-policy']).toContain('hook-succeeded');
    const spec = (job as unknown as IJob).spec!;
    expect(spec.template.spec!.restartPolicy).toBe('Never');
    expect(spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(podSpec(job).containers[0].command).toEqual(['npm', 'run', 'migration:run:prod']);
    // it must not depend on release objects that do not exist yet at pre-install
    expect(podSpec(job).serviceAccountName).toBeUndefined();
    expect(podSpec(job).containers[0].envFrom).toBeUndefined();
    for (const d of ofKind(objects, 'Deployment'))
      expect(env(podSpec(d).containers[0], 'DB_MIGRATIONS_RUN')).toBeUndefined();
  });

  it('restricts traffic with a NetworkPolicy: ingress on the HTTP port only; egress to DNS, Postgres, Redis, RabbitMQ and HTTPS', () => {
    const np = one(objects, 'NetworkPolicy', FULL) as unknown as INetworkPolicy;
    expect(np.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec!.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'payments',
      'app.kubernetes.io/instance': RELEASE,
    });
    const ingressPorts = np.spec!.ingress!.flatMap((r) => r.ports ?? []);
    expect(ingressPorts).toEqual([{ port: 3000, protocol: 'TCP' }]);
    for (const r of np.spec!.ingress!) expect(r.ports?.length).toBeGreaterThan(0);
    const egressPorts = new Set(np.spec!.egress!.flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`)));
    for (const p of ['UDP/53', 'TCP/53', 'TCP/5432', 'TCP/6379', 'TCP/443']) expect(egressPorts).toContain(p);
    expect([...egressPorts].every((p) => /^(UDP|TCP)\/(53|5432|6379|5671|5672|443)$/.test(p))).toBe(true);
    for (const r of np.spec!.egress!) expect(r.ports?.length).toBeGreaterThan(0); // no all-ports rule
    const https = np.spec!.egress!.find((r) => r.ports?.some((p) => p.port === 443))!;
    expect(https.to![0].ipBlock!.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']));
  });

  it('exposes api and worker through ClusterIP Services on the named http port', () => {
    for (const role of ['api', 'worker']) {
      const svc = one(objects, 'Service', `${FULL}-${role}`) as unknown as IService;
      expect(svc.spec!.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
      expect(svc.spec!.selector).toMatchObject({ 'app.kubernetes.io/component': role });
    }
  });

  it('the api and worker have PodDisruptionBudgets selecting their own pods', () => {
    for (const role of ['api', 'worker']) {
      const pdb = one(objects, 'PodDisruptionBudget', `${FULL}-${role}`);
      const dep = one(objects, 'Deployment', `${FULL}-${role}`) as unknown as IDeployment;
      expect((pdb.spec as { selector: unknown }).selector).toEqual(dep.spec!.selector);
    }
  });
});

describe('optional objects', () => {
  it('default values: no Ingress, HPA, ServiceMonitor or PrometheusRule; fixed replica counts', () => {
    const { objects } = render();
    for (const kind of ['Ingress', 'HorizontalPodAutoscaler', 'ServiceMonitor', 'PrometheusRule'])
      expect(ofKind(objects, kind)).toHaveLength(0);
    expect((one(objects, 'Deployment', `${FULL}-api`) as unknown as IDeployment).spec!.replicas).toBe(2);
  });

  it.each([
    ['values-production.yaml', [PROD_VALUES], [] as string[]],
    ['--set on the defaults', [], ['ingress.enabled=true', 'ingress.hosts[0]=hooks.example.com']],
  ])('the Ingress (%s) routes only /v1/webhooks/wompi, exactly, to the api Service', (_l, files, sets) => {
    const { objects } = render(files, sets);
    const ingresses = ofKind(objects, 'Ingress') as unknown as IIngress[];
    expect(ingresses).toHaveLength(1);
    const paths = ingresses[0].spec!.rules!.flatMap((r) => r.http!.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) {
      expect(p).toEqual({
        path: '/v1/webhooks/wompi',
        pathType: 'Exact',
        backend: { service: { name: `${FULL}-api`, port: { name: 'http' } } },
      });
    }
    expect(ingresses[0].spec!.defaultBackend).toBeUndefined();
  });

  it('values-production.yaml: api HPA on CPU, worker HPA on CPU and the payments_queue_depth external metric, no fixed replicas', () => {
    const { objects } = render([PROD_VALUES]);
    const api = one(objects, 'HorizontalPodAutoscaler', `${FULL}-api`).spec as {
      scaleTargetRef: { name: string };
      metrics: Array<Record<string, { name?: string; metric?: { name: string } }>>;
    };
    const worker = one(objects, 'HorizontalPodAutoscaler', `${FULL}-worker`).spec as typeof api;
    expect(api.scaleTargetRef.name).toBe(`${FULL}-api`);
    expect(api.metrics.map((m) => m.resource?.name)).toEqual(['cpu']);
    expect(worker.scaleTargetRef.name).toBe(`${FULL}-worker`);
    expect(worker.metrics.find((m) => m.type === ('External' as never))?.external?.metric?.name).toBe(
      'payments_queue_depth',
    );
    for (const d of ofKind(objects, 'Deployment')) expect((d as unknown as IDeployment).spec!.replicas).toBeUndefined();
  });

  it('worker queue-depth autoscaling stays off unless the values enable it', () => {
    const { objects } = render([], ['worker.autoscaling.enabled=true']);
    const spec = one(objects, 'HorizontalPodAutoscaler', `${FULL}-worker`).spec as { metrics: Array<{ type: string }> };
    expect(spec.metrics.map((m) => m.type)).toEqual(['Resource']);
  });
});
