/* Two kinds of validation: every rendered object against the Kubernetes OpenAPI schemas
 * (kubernetes-models), and the chart's values.schema.json refusing bad values files. */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { CHART, K8sObject, PROD_VALUES, helm, render, tempValues } from './harness';

type Validatable = new (data: never) => { validate(): void };
const MODELS: Record<string, Validatable> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};
/** CRDs of the Prometheus Operator: no schema in kubernetes-models, checked in helm-monitoring.spec.ts. */
const CRDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule']);

function validate(o: K8sObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  if (CRDS.has(key)) return;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no Kubernetes schema registered for ${key} (${o.metadata.name}): add it to MODELS`);
  new Model(o as never).validate();
}

describe('rendered objects validate against the Kubernetes schemas (kubernetes-models)', () => {
  it('the validator itself rejects a malformed Deployment (guards against a vacuous pass)', () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { replicas: 'two', selector: {}, template: {} },
    } as unknown as K8sObject;
    expect(() => validate(bad)).toThrow();
  });

  it.each([
    ['default values', [] as string[], [] as string[], 10],
    ['values-production.yaml', [PROD_VALUES], [], 15],
    [
      'every optional object on',
      [],
      [
        'ingress.enabled=true',
        'ingress.hosts[0]=hooks.example.com',
        'api.autoscaling.enabled=true',
        'worker.autoscaling.enabled=true',
        'worker.autoscaling.queueDepth.enabled=true',
        'metrics.serviceMonitor.enabled=true',
        'metrics.prometheusRule.enabled=true',
      ],
      15,
    ],
  ])('%s', (_l, files, sets, expectedCount) => {
    const { objects } = render(files, sets);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toHaveLength(expectedCount);
    for (const o of objects) {
      expect(() => validate(o)).not.toThrow();
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('values.schema.json refuses a wrong values file', () => {
  it('a valid override file renders (so the refusals below are about the values, not the harness)', () => {
    const file = tempValues('ok.yaml', 'api:\n  replicaCount: 4\n');
    const { objects } = render([file]);
    expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-api'))?.spec?.replicas).toBe(4);
  });

  it.each([
    ['top-level replicaCount "two" (unknown key)', 'replicaCount: "two"\n', /additional propert/i],
    ['api.replicaCount "two"', 'api:\n  replicaCount: "two"\n', /replicaCount.*(integer|string)/i],
    ['api.replicaCount 1.5', 'api:\n  replicaCount: 1.5\n', /replicaCount/],
    ['existingSecret removed', 'existingSecret: null\n', /existingSecret/],
    ['existingSecret empty', 'existingSecret: ""\n', /existingSecret/],
    ['image.pullPolicy not an enum value', 'image:\n  pullPolicy: Sometimes\n', /pullPolicy/],
    ['a typo in a role key', 'worker:\n  replicas: 3\n', /additional propert.*replicas/i],
    [
      'a secret variable smuggled into config.extra',
      'config:\n  extra:\n    WOMPI_PRIVATE_KEY: prv_prod_x\n',
      /WOMPI_PRIVATE_KEY/,
    ],
    ['an unknown log level', 'config:\n  logLevel: verbose\n', /logLevel/],
    ['DOCS_ENABLED not a boolean', 'config:\n  docsEnabled: "yes"\n', /docsEnabled/],
    ['DOCS_ENABLED smuggled into config.extra', 'config:\n  extra:\n    DOCS_ENABLED: "true"\n', /DOCS_ENABLED/],
    [
      'a queue-depth target that is not a number',
      'worker:\n  autoscaling:\n    queueDepth:\n      targetAverageValue: lots\n',
      /targetAverageValue/,
    ],
    ['a non-numeric container port', 'containerPort: http\n', /containerPort/],
    ['TRUST_PROXY true (any client could choose its address)', 'config:\n  trustProxy: "true"\n', /trustProxy/],
    ['an unknown rate-limit store', 'config:\n  rateLimit:\n    store: memcached\n', /store/],
    ['a rate limit of zero', 'config:\n  rateLimit:\n    internalPerMin: 0\n', /internalPerMin/],
  ])('%s', (_l, yaml, message) => {
    const file = tempValues('bad.yaml', yaml);
    const t = helm(['template', 'payments', CHART, '-f', file]);
    expect(t.status).not.toBe(0);
    expect(t.stderr).toMatch(/schema/i);
    expect(t.stderr).toMatch(message);
    const l = helm(['lint', CHART, '-f', file]);
    expect(l.status).not.toBe(0);
  });

  it('refuses a grace period shorter than the app drain budget', () => {
    const file = tempValues('grace.yaml', 'terminationGracePeriodSeconds: 20\nconfig:\n  shutdownTimeoutMs: 25000\n');
    const t = helm(['template', 'payments', CHART, '-f', file]);
    expect(t.status).not.toBe(0);
    expect(t.stderr).toContain('must exceed config.shutdownTimeoutMs');
  });

  it('counts the preStop pause inside the grace period (26 s − 5 s preStop leaves node 21 s < 25 s)', () => {
    const tight = tempValues(
      'grace-prestop.yaml',
      'terminationGracePeriodSeconds: 26\npreStopSleepSeconds: 5\nconfig:\n  shutdownTimeoutMs: 25000\n',
    );
    const t = helm(['template', 'payments', CHART, '-f', tight]);
    expect(t.status).not.toBe(0);
    expect(t.stderr).toContain('minus preStopSleepSeconds (5 s) must exceed config.shutdownTimeoutMs');
    const enough = tempValues(
      'grace-ok.yaml',
      'terminationGracePeriodSeconds: 31\npreStopSleepSeconds: 5\nconfig:\n  shutdownTimeoutMs: 25000\n',
    );
    expect(helm(['template', 'payments', CHART, '-f', enough]).status).toBe(0);
  });
});
