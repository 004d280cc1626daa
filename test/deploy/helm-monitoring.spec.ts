/* ServiceMonitor and PrometheusRule are CRDs (not in kubernetes-models): checked structurally,
 * and every metric an alert or the worker HPA reads must be one the service declares in
 * src/metrics/metrics.ts and also writes somewhere in src (a declared, never-set metric is an
 * alert that cannot fire). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FULL, K8sObject, NAMESPACE, PROD_VALUES, ROOT, one, render } from './harness';
import { lintPromQL } from './promql-lint';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

/** Every .ts file under src/, specs excluded, with its text. */
function sourceFiles(dir = path.join(ROOT, 'src')): Array<{ file: string; text: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')
      ? [{ file: path.relative(ROOT, p), text: fs.readFileSync(p, 'utf8') }]
      : [];
  });
}

/** metric name → the Metrics property declaring it (`readonly x = new Gauge({ name: '…' …`). */
function declaredMetrics(): Map<string, string> {
  const source = fs.readFileSync(path.join(ROOT, 'src', 'metrics', 'metrics.ts'), 'utf8');
  const out = new Map<string, string>();
  for (const m of source.matchAll(/readonly (\w+) = new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:]+)'/g))
    out.set(m[2], m[1]);
  return out;
}

/** Files under src/ that write the metric held by `prop`: set/inc/dec/observe/startTimer, directly or on .labels(…). */
function writers(prop: string): string[] {
  const write = new RegExp(
    `\\.${prop}(?:\\.labels\\([^)]*\\))?\\.(?:set|inc|dec|observe|startTimer|setToCurrentTime)\\(`,
  );
  return sourceFiles()
    .filter((f) => write.test(f.text))
    .map((f) => f.file);
}

let objects: K8sObject[] = [];
beforeAll(() => {
  objects = render([PROD_VALUES]).objects;
});

it('the ServiceMonitor scrapes /metrics on the http port of both role Services', () => {
  const sm = one(objects, 'ServiceMonitor', FULL);
  expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
  const spec = sm.spec as {
    selector: { matchLabels: Record<string, string> };
    endpoints: Array<{ port: string; path: string; interval: string }>;
    namespaceSelector: { matchNames: string[] };
  };
  expect(spec.endpoints).toEqual([
    expect.objectContaining({ port: 'http', path: '/metrics', interval: expect.stringMatching(/^\d+s$/) }),
  ]);
  expect(spec.namespaceSelector.matchNames).toEqual([NAMESPACE]);
  const selected = objects.filter(
    (o) =>
      o.kind === 'Service' && Object.entries(spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
  );
  expect(selected.map((s) => s.metadata.name).sort()).toEqual([`${FULL}-api`, `${FULL}-worker`]);
  expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
});

describe('PrometheusRule', () => {
  let rules: Rule[] = [];
  beforeAll(() => {
    const pr = one(objects, 'PrometheusRule', FULL);
    expect(pr.apiVersion).toBe('monitoring.coreos.com/v1');
    const groups = (pr.spec as { groups: Array<{ name: string; rules: Rule[] }> }).groups;
    rules = groups.flatMap((g) => g.rules);
  });

  it('has well-formed alerts: unique CamelCase names, an expression, a severity, a summary and a description', () => {
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(r.expr.trim().length).toBeGreaterThan(0);
      expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      expect(r.annotations.description.length).toBeGreaterThan(10);
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
      // balanced brackets: a typo here would only show up in Prometheus' rule loader
      for (const [o, c] of [
        ['(', ')'],
        ['{', '}'],
        ['[', ']'],
      ])
        expect(r.expr.split(o).length).toBe(r.expr.split(c).length);
      // scoped to this release's Services
      expect(r.expr).toContain(`namespace="${NAMESPACE}"`);
    }
  });

  it.each([
    ['WompiCircuitBreakerOpen', /max by \(group\) \(wompi_breaker_state\{[^}]*\}\) == 2/, '5m'],
    ['WompiWebhookRejectedSpike', /webhook_events_rejected_total\{[^}]*reason=~"[^"]*checksum/, undefined],
    ['WompiAuthErrors', /wompi_calls_total\{[^}]*outcome="auth_error"/, undefined],
    ['OutboxDeadLetters', /outbox_dead\{[^}]*\}\) > 0/, undefined],
    ['OutboxPendingGrowing', /outbox_pending/, undefined],
    ['WebhookInboxLagging', /webhook_inbox_lag_seconds\{[^}]*\}\) > 300/, '5m'],
    ['PaymentsDeclinedSpike', /payments_transitions_total\{[^}]*to="DECLINED"/, undefined],
    ['PaymentAnomalies', /payments_anomalies_total\{[^}]*\}\[10m\]\)\) > 0/, undefined],
    [
      'ExternalTransactionsReceived',
      /payments_external_transactions_total\{[^}]*status="APPROVED"\}\[15m\]\)\) > 0/,
      undefined,
    ],
    ['PaymentLinkFlaggedPayments', /payments_link_payments_total\{[^}]*flag=~"EXPIRED\|DEACTIVATED"/, undefined],
  ])('alerts %s', (name, expr, forDuration) => {
    const r = rules.find((x) => x.alert === name);
    expect(r).toBeDefined();
    expect(r!.expr).toMatch(expr);
    if (forDuration) expect(r!.for).toBe(forDuration);
  });

  it('an anomaly (money and our record disagree) pages at once', () => {
    const r = rules.find((x) => x.alert === 'PaymentAnomalies')!;
    expect([r.labels.severity, r.for]).toEqual(['critical', '0m']);
  });

  it('a 401/403 from Wompi pages (critical) against production Wompi', () => {
    expect(rules.find((r) => r.alert === 'WompiAuthErrors')!.labels.severity).toBe('critical');
  });

  it('reads only metrics the service declares (src/metrics/metrics.ts)', () => {
    const source = fs.readFileSync(path.join(ROOT, 'src', 'metrics', 'metrics.ts'), 'utf8');
    const declared = new Set([...source.matchAll(/name: '([a-z_:]+)'/g)].map((m) => m[1]));
    expect(declared.size).toBeGreaterThan(5);
    const used = new Set(
      rules.flatMap((r) => [...r.expr.matchAll(/([a-z_:]+)\{/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''))),
    );
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((m) => !declared.has(m))).toEqual([]);
  });

  it('reads only metrics the service also sets somewhere in src (alerts and the worker HPA)', () => {
    const declared = declaredMetrics();
    expect(declared.size).toBeGreaterThan(5);
    expect(declared.get('payments_queue_depth')).toBe('queueDepth');
    const alerting = rules.flatMap((r) =>
      [...r.expr.matchAll(/([a-z_:]+)\{/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, '')),
    );
    const hpa = one(objects, 'HorizontalPodAutoscaler', `${FULL}-worker`).spec as {
      metrics: Array<{ type: string; external?: { metric: { name: string } } }>;
    };
    const scaling = hpa.metrics.filter((m) => m.type === 'External').map((m) => m.external!.metric.name);
    expect(scaling).toEqual(['payments_queue_depth']);
    const needed = [...new Set([...alerting, ...scaling])].sort();
    expect(needed.length).toBeGreaterThan(5);
    const neverSet = needed.filter((m) => !declared.has(m) || writers(declared.get(m)!).length === 0);
    expect(neverSet).toEqual([]);
  });

  it.each([
    [
      'WompiWebhooksNotArriving',
      /payments_created_total\{[^}]*\}\[30m\]\)\) >= 3\s+unless\s+sum\(increase\(webhook_events_verified_total\{[^}]*\}\[30m\]\)\) > 0/,
      'critical',
    ],
    [
      'PaymentSuccessRateLow',
      /sum by \(method\) \(increase\(payments_finished_total\{[^}]*status="APPROVED"\}\[15m\]\)\)[\s\S]*< 0\.9\s+and\s+sum by \(method\) \(increase\(payments_finished_total\{[^}]*\}\[15m\]\)\) >= 20/,
      'warning',
    ],
    ['PaymentsPendingPastHorizon', /payments_oldest_pending_age_seconds\{[^}]*method="CARD"\}\) > 900 or/, 'warning'],
    [
      'WebhookToAppliedSlow',
      /histogram_quantile\(0\.95, sum by \(le\) \(rate\(payments_webhook_to_applied_seconds_bucket\{[^}]*\}\[10m\]\)\)\) > 60/,
      'warning',
    ],
    ['WebhookInboxDeadRows', /max\(webhook_inbox_rows\{[^}]*status="DEAD"\}\) > 0/, 'critical'],
  ])('alerts %s (issue 15)', (name, expr, severity) => {
    const r = rules.find((x) => x.alert === name);
    expect(r).toBeDefined();
    expect(r!.expr).toMatch(expr);
    expect(r!.labels.severity).toBe(severity);
  });

  it('PENDING past horizon: one clause per configured method, and a default for every other method', () => {
    const r = rules.find((x) => x.alert === 'PaymentsPendingPastHorizon')!;
    const clauses = r.expr.split(/\bor\b/).map((c) => c.trim());
    expect(clauses.map((c) => /method(=|!~)"([^"]+)"\}\) > (\d+)/.exec(c)!.slice(1))).toEqual([
      ...[
        ['BANCOLOMBIA_BNPL', 3600],
        ['BANCOLOMBIA_COLLECT', 259200],
        ['BANCOLOMBIA_QR', 3600],
        ['BANCOLOMBIA_TRANSFER', 3600],
        ['CARD', 900],
        ['DAVIPLATA', 1800],
        ['NEQUI', 1800],
        ['PCOL', 259200],
        ['PSE', 3600],
      ].map(([m, s]) => ['=', m, String(s)]),
      [
        '!~',
        'BANCOLOMBIA_BNPL|BANCOLOMBIA_COLLECT|BANCOLOMBIA_QR|BANCOLOMBIA_TRANSFER|CARD|DAVIPLATA|NEQUI|PCOL|PSE',
        '3600',
      ],
    ]);
  });

  it('every alert expression is valid PromQL naming only metrics src/ writes, and has a runbook in docs/observability.md', () => {
    const declared = declaredMetrics();
    const runbook = fs.readFileSync(path.join(ROOT, 'docs', 'observability.md'), 'utf8');
    for (const r of rules) {
      const names = lintPromQL(r.expr).map((m) => m.replace(/_(bucket|sum|count)$/, ''));
      expect({
        alert: r.alert,
        unwritten: names.filter((m) => !declared.has(m) || writers(declared.get(m)!).length === 0),
      }).toEqual({ alert: r.alert, unwritten: [] });
      expect({ alert: r.alert, runbook: runbook.includes(`### ${r.alert}`) }).toEqual({
        alert: r.alert,
        runbook: true,
      });
    }
  });

  it('finds a metric that is declared but never written (the check can fail)', () => {
    expect(writers('noSuchMetricProperty')).toEqual([]);
    expect(writers('outboxDead')).toEqual(['src/messaging/outbox-relay.ts']);
  });
});

describe('Grafana dashboard', () => {
  interface Panel {
    title: string;
    type: string;
    targets?: Array<{ expr: string }>;
    panels?: Panel[];
  }
  let dashboard: { uid: string; title: string; panels: Panel[] };
  let cm: K8sObject;
  beforeAll(() => {
    cm = one(
      render([PROD_VALUES], ['metrics.grafanaDashboard.enabled=true']).objects,
      'ConfigMap',
      `${FULL}-dashboard`,
    );
    dashboard = JSON.parse((cm as unknown as { data: Record<string, string> }).data['payments-overview.json']);
  });
  const exprs = () =>
    dashboard.panels
      .flatMap((p) => [p, ...(p.panels ?? [])])
      .flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('is off by default, and carries the Grafana sidecar label when on', () => {
    expect(objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === `${FULL}-dashboard`)).toBe(false);
    expect(render([]).objects.some((o) => o.metadata.name === `${FULL}-dashboard`)).toBe(false);
    expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(dashboard.uid).toBe('payments-overview');
  });

  it('every panel query is valid PromQL naming only metrics src/ writes', () => {
    const declared = declaredMetrics();
    expect(exprs().length).toBeGreaterThan(20);
    for (const { panel, expr } of exprs()) {
      const names = lintPromQL(expr).map((m) => m.replace(/_(bucket|sum|count)$/, ''));
      expect(names.length).toBeGreaterThan(0);
      expect({
        panel,
        unwritten: names.filter((m) => !declared.has(m) || writers(declared.get(m)!).length === 0),
      }).toEqual({ panel, unwritten: [] });
      expect(expr).toContain('namespace="$namespace"');
    }
  });

  it('shows what on-call needs first: volume and success by method, amounts, latencies, Wompi, breaker, queue, inbox and outbox', () => {
    const used = new Set(
      exprs().flatMap(({ expr }) => lintPromQL(expr).map((m) => m.replace(/_(bucket|sum|count)$/, ''))),
    );
    for (const m of [
      'payments_created_total',
      'payments_finished_total',
      'payments_amount_cop_cents_total',
      'payments_webhook_to_applied_seconds',
      'payments_create_to_final_seconds',
      'payments_oldest_pending_age_seconds',
      'webhook_last_received_timestamp_seconds',
      'wompi_call_duration_seconds',
      'wompi_calls_total',
      'wompi_breaker_state',
      'payments_queue_depth',
      'webhook_inbox_rows',
      'outbox_pending',
      'outbox_dead',
      'webhook_events_rejected_total',
    ]) {
      expect({ metric: m, shown: used.has(m) }).toEqual({ metric: m, shown: true });
    }
  });
});

describe('tracing settings', () => {
  const data = (sets: string[]) =>
    (one(render([PROD_VALUES], sets).objects, 'ConfigMap', FULL) as unknown as { data: Record<string, string> }).data;

  it('exports traces only when an OTLP endpoint is set, with the configured sampling', () => {
    expect(data([])).not.toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(
      data(['config.tracing.otlpEndpoint=http://otel-collector.observability:4318', 'config.tracing.samplerArg=0.25']),
    ).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
  });
});

describe('the PromQL check can fail', () => {
  it.each([
    ['sum(rate(x_total{a="b"}[5m])', /unexpected end/],
    ['rate(x_total{a="b"[5m])', /expected , or }/],
    ['rate(x_total{a=b}[5m])', /quoted value/],
    ['sum(rate(x_total[5 m]))', /bad range/],
    ['ratee(x_total[5m])', /unknown function/],
    ['sum by method (x)', /expected \(/],
    ['x_total{a=~"(unclosed"}', /Invalid regular expression|Unterminated group/],
    ['x > ', /unexpected end/],
  ])('%s', (expr, problem) => {
    expect(() => lintPromQL(expr)).toThrow(problem);
  });

  it('accepts the grammar the chart uses', () => {
    expect(
      lintPromQL('max(outbox_pending{a="b"}) > 1 and delta(max(outbox_pending{a="b"})[15m:1m]) > 0').sort(),
    ).toEqual(['outbox_pending']);
    expect(lintPromQL('time() - max(w{n="$namespace"})')).toEqual(['w']);
  });
});
