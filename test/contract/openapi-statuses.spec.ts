/* The OpenAPI document (/docs-json) tells the truth about each operation: every operation has a
 * module tag declared in the document; every status its guards, interceptors, pipes and
 * handlers can produce is documented — derived here from the routes' own Nest metadata, not
 * from the document (401/429/503 behind the API key, 403 on operator routes, 400 where the
 * route takes input, 413/415 where it takes a body, 409/422 with an Idempotency-Key), and
 * 502/503/504 on exactly the routes that call Wompi while the caller waits (audited by hand:
 * WOMPI_ROUTES); every error answer is application/problem+json with the ProblemResponse
 * schema. Then the running app is made to answer a 502 and a 504 on a read, and both are in
 * the document. */
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { OPERATOR_ROUTE, PUBLIC_ROUTE } from '../../src/common/auth/api-key.guard';
import { IdempotencyInterceptor } from '../../src/common/idempotency/idempotency.interceptor';
import { startTestApp, TestApp } from '../support/app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The operations that call Wompi while the caller waits and can surface its failures (audit of
 * the use cases: GET /v1/transactions/{id} only tops up an async URL and swallows Wompi's
 * errors; checkout sessions, links' reads, the operator routes and the webhook never call it).
 */
const WOMPI_ROUTES = [
  'get /v1/acceptance',
  'get /v1/pse/financial-institutions',
  'post /v1/transactions',
  'post /v1/transactions/confirm',
  'post /v1/transactions/{id}/void',
  'post /v1/payment-sources',
  'get /v1/payment-sources/{id}',
  'post /v1/payment-sources/{id}/void',
  'post /v1/payment-links',
  'patch /v1/payment-links/{id}',
];

interface RouteFacts {
  name: string;
  isPublic: boolean;
  operator: boolean;
  idempotent: boolean;
  body: boolean;
  input: boolean;
}

/** Every route of the running app, with what its metadata says it can answer. */
function routeFacts(t: TestApp): RouteFacts[] {
  const out: RouteFacts[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!cls) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = (cls.prototype as Record<string, unknown>)[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const path = ('/' + [base, sub].filter((p) => p && p !== '/').join('/'))
          .replace(/\/+/g, '/')
          .replace(/\/$/, '')
          .replace(/:(\w+)/g, '{$1}');
        const meta = (k: string) => Reflect.getMetadata(k, handler) ?? Reflect.getMetadata(k, cls);
        const args = Object.keys(Reflect.getMetadata(ROUTE_ARGS_METADATA, cls, key) ?? {}).map((k) =>
          Number(k.split(':')[0]),
        );
        const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
        out.push({
          name: `${RequestMethod[method].toLowerCase()} ${path}`,
          isPublic: meta(PUBLIC_ROUTE) === true,
          operator: meta(OPERATOR_ROUTE) === true,
          idempotent: interceptors.includes(IdempotencyInterceptor),
          body: args.includes(RouteParamtypes.BODY),
          input: args.some((a) => [RouteParamtypes.BODY, RouteParamtypes.QUERY, RouteParamtypes.PARAM].includes(a)),
        });
      }
    }
  }
  return out;
}

describe('contract: the OpenAPI document documents what each route can answer', () => {
  let t: TestApp;
  let doc: Json;
  let routes: RouteFacts[];
  const op = (name: string): Json => {
    const [method, path] = name.split(' ');
    return doc.paths[path]?.[method];
  };

  beforeAll(async () => {
    // a short Wompi timeout, so that the 504 below is quick
    t = await startTestApp({ wireWebhooks: false, env: { WOMPI_TIMEOUT_MS: '400', WOMPI_RETRY_BASE_DELAY_MS: '10' } });
    const res = await fetch(`${t.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Json;
    routes = routeFacts(t);
  });
  afterAll(async () => t?.close());

  it('finds every route of the app in the document, and nothing else', () => {
    expect(routes.length).toBeGreaterThanOrEqual(29);
    const documented = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.keys(item as Json).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => r.name).sort());
    for (const name of WOMPI_ROUTES) expect([name, op(name)]).toEqual([name, expect.anything()]);
  });

  it('tags every operation with a tag the document declares, with a description', () => {
    const declared = new Map((doc.tags as Json[]).map((tag) => [tag.name as string, tag.description as string]));
    for (const { name } of routes) {
      const tags = (op(name).tags ?? []) as string[];
      expect([name, tags.length > 0]).toEqual([name, true]);
      for (const tag of tags) expect([name, tag, (declared.get(tag) ?? '').length > 0]).toEqual([name, tag, true]);
    }
    for (const r of routes.filter((x) => x.operator))
      expect([r.name, op(r.name).tags.includes('operators')]).toEqual([r.name, true]);
  });

  it('documents every status the guards, the pipes, the interceptors and Wompi can produce', () => {
    const missing: string[] = [];
    const unexpected: string[] = [];
    for (const r of routes) {
      const expected: string[] = [];
      if (!r.isPublic) expected.push('401', '429', '503');
      if (r.operator) expected.push('403');
      if (r.input) expected.push('400');
      if (r.body && !r.isPublic) expected.push('413', '415');
      if (r.idempotent) expected.push('400', '409', '422');
      if (WOMPI_ROUTES.includes(r.name)) expected.push('502', '503', '504');
      const responses = Object.keys(op(r.name).responses);
      for (const s of expected) if (!responses.includes(s)) missing.push(`${r.name} ${s}`);
      // and no route claims an answer it cannot give
      if (!r.operator && responses.includes('403')) unexpected.push(`${r.name} 403`);
      if (!WOMPI_ROUTES.includes(r.name))
        for (const s of ['502', '504']) if (responses.includes(s)) unexpected.push(`${r.name} ${s}`);
      if (r.isPublic && r.name !== 'post /v1/webhooks/wompi' && responses.includes('401'))
        unexpected.push(`${r.name} 401`);
    }
    expect(missing).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it('documents every error answer as application/problem+json with the ProblemResponse schema', () => {
    for (const { name } of routes) {
      if (name.startsWith('get /health/')) continue; // terminus' own format, not ours
      for (const [status, response] of Object.entries(op(name).responses as Json)) {
        if (Number(status) < 400) continue;
        const content = (response as Json).content ?? {};
        expect([name, status, Object.keys(content), content['application/problem+json']?.schema]).toEqual([
          name,
          status,
          ['application/problem+json'],
          { $ref: '#/components/schemas/ProblemResponse' },
        ]);
        expect([name, status, ((response as Json).description ?? '').length > 0]).toEqual([name, status, true]);
      }
    }
    const problem = doc.components.schemas.ProblemResponse;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status']));
    expect(Object.keys(problem.properties)).toEqual(
      expect.arrayContaining([
        'type',
        'title',
        'status',
        'detail',
        'code',
        'errors',
        'error_id',
        'retry_after_seconds',
      ]),
    );
    expect(problem.properties.code.enum).toEqual(
      expect.arrayContaining(['VALIDATION_FAILED', 'RATE_LIMITED', 'GATEWAY_TIMEOUT']),
    );
    // the 503 says when to come back
    for (const name of WOMPI_ROUTES)
      expect(Object.keys(op(name).responses['503'].headers ?? {})).toContain('Retry-After');
  });

  /** Puts the sandbox's faults (PUT /__sandbox/faults). */
  async function setFaults(faults: Json): Promise<void> {
    const res = await fetch(`${t.sandbox.origin}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    expect(res.status).toBe(200);
  }

  it('answers what it documents on a read that calls Wompi: 502 when Wompi refuses our keys, 504 when it hangs', async () => {
    const documented = Object.keys(op('get /v1/acceptance').responses);
    try {
      await setFaults({ fail_next: { count: 1, status: 401, method: 'GET', path: '/v1/merchants' } });
      const refused = await fetch(`${t.url}/v1/acceptance`, { headers: t.auth });
      expect(refused.status).toBe(502);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(documented).toContain('502');

      await setFaults({ hang_next: { count: 1, method: 'GET', path: '/v1/merchants' } });
      const hung = await fetch(`${t.url}/v1/acceptance`, { headers: t.auth });
      expect([hung.status, ((await hung.json()) as Json).code]).toEqual([504, 'GATEWAY_TIMEOUT']);
      expect(documented).toContain('504');
    } finally {
      await setFaults({});
    }
  });
});
