/* Every enum filter on a list route (status, kind, resolution) takes the value the route answers
 * with (uppercase statuses; reconciliation's kinds and resolutions are lowercase in its answers),
 * in any letter case, normalised; an unknown value is a 400 naming the field and the values; the
 * OpenAPI document gives each filter the same enum as the answers' field. */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PAYMENT_STATUSES } from '../../src/transactions/payment-status';
import { startTestApp, TEST_CALLER, TestApp } from '../support/app';

interface Filter {
  route: string;
  field: string;
  values: readonly string[];
  /** the answers' schema and property carrying the same enum */
  answer: [schema: string, property: string];
}

const RUN = randomUUID();
const FILTERS: Filter[] = [
  { route: '/v1/outbox', field: 'status', values: ['DEAD', 'PENDING', 'SENT'], answer: ['OutboxEventView', 'status'] },
  {
    route: '/v1/webhooks/events',
    field: 'status',
    values: ['RECEIVED', 'PROCESSED', 'IGNORED', 'FAILED', 'DEAD', 'UNCONFIRMED'],
    answer: ['WebhookEventResponse', 'status'],
  },
  {
    route: '/v1/payment-links',
    field: 'status',
    values: ['ACTIVE', 'INACTIVE', 'UNKNOWN'],
    answer: ['PaymentLinkResponse', 'status'],
  },
  { route: '/v1/transactions', field: 'status', values: PAYMENT_STATUSES, answer: ['TransactionResponse', 'status'] },
  {
    route: '/v1/external-transactions',
    field: 'status',
    values: ['PENDING', 'APPROVED', 'DECLINED', 'VOIDED', 'ERROR'],
    answer: ['ExternalTransactionResponse', 'status'],
  },
  {
    route: `/v1/reconciliations/${RUN}/discrepancies`,
    field: 'kind',
    values: [
      'unknown_reference',
      'missing_at_wompi',
      'status_mismatch',
      'status_contradiction',
      'duplicate_approval',
      'amount_mismatch',
      'currency_mismatch',
    ],
    answer: ['DiscrepancyView', 'kind'],
  },
  {
    route: `/v1/reconciliations/${RUN}/discrepancies`,
    field: 'resolution',
    values: ['healed', 'reported'],
    answer: ['DiscrepancyView', 'resolution'],
  },
];

/** the other letter case of a value, and a mixed one */
const spellings = (v: string) => [
  v === v.toUpperCase() ? v.toLowerCase() : v.toUpperCase(),
  v.charAt(0).toUpperCase() + v.slice(1).toLowerCase(),
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('enum filters on list routes', () => {
  let t: TestApp;
  let doc: Json;
  beforeAll(async () => {
    t = await startTestApp({ wireWebhooks: false, env: { OPERATOR_CALLERS: TEST_CALLER } });
    doc = (await request(t.url).get('/docs-json')).body as Json;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string) => request(t.url).get(path).set(t.auth);
  // the run does not exist: a filter that passes validation is answered 404, one that does not 400
  const passed = (f: Filter) => (f.route.startsWith('/v1/reconciliations/') ? 404 : 200);

  it.each(FILTERS.map((f) => [`${f.route}?${f.field}`, f] as const))(
    '%s: the canonical values, in any letter case, are one filter',
    async (_label, f) => {
      for (const v of f.values) {
        const canonical = await get(`${f.route}?${f.field}=${v}`);
        expect([v, canonical.status]).toEqual([v, passed(f)]);
        for (const other of spellings(v)) {
          const res = await get(`${f.route}?${f.field}=${encodeURIComponent(other)}`);
          expect([other, res.status, res.body]).toEqual([other, passed(f), canonical.body]);
        }
      }
    },
  );

  it.each(FILTERS.map((f) => [`${f.route}?${f.field}`, f] as const))(
    '%s: an unknown value is a 400 naming the field and listing the values',
    async (_label, f) => {
      for (const bad of ['lost', `${f.values[0]}x`, ' ', '']) {
        const res = await get(`${f.route}?${f.field}=${encodeURIComponent(bad)}`);
        expect([bad, res.status]).toEqual([bad, 400]);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.errors[f.field]).toEqual([
          `${f.field} must be one of ${f.values.join(', ')} (any letter case)`,
        ]);
      }
      const twice = await get(`${f.route}?${f.field}=${f.values[0]}&${f.field}=${f.values[0]}`);
      expect(twice.status).toBe(400);
      expect(Object.keys(twice.body.errors)).toContain(f.field);
    },
  );

  it.each(FILTERS.map((f) => [`${f.route}?${f.field}`, f] as const))(
    '%s: OpenAPI documents the filter with the enum of the answers',
    (_label, f) => {
      const path = f.route.replace(RUN, '{id}');
      const param = (doc.paths[path].get.parameters as Json[]).find((p) => p.name === f.field && p.in === 'query');
      expect(param).toBeDefined();
      expect(param!.schema.enum).toEqual([...f.values]);
      expect(param!.description).toMatch(/any letter case/i);
      const [schema, property] = f.answer;
      expect(doc.components.schemas[schema].properties[property].enum).toEqual([...f.values]);
    },
  );
});
