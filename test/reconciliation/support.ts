/* Helpers for the reconciliation suites: runs through our operator API, drift at the sandbox. */
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { TestApp, waitFor } from '../support/app';
import { Api, createBody } from '../transactions/support';

type Json = Record<string, unknown>;

/** A transfer that stays PENDING until someone decides it: a payment whose webhook never comes. */
export async function pendingTransfer(t: TestApp): Promise<{ id: string; wompiId: string; reference: string }> {
  const api = new Api(t);
  const r = await api.create(
    await createBody(t.sandbox, {
      payment_method: { type: 'BANCOLOMBIA_TRANSFER', user_type: 'PERSON', payment_description: 'Order 1' },
    }),
  );
  if (r.status !== 201) throw new Error(`create answered ${r.status}: ${JSON.stringify(r.body)}`);
  return { id: String(r.body.id), wompiId: String(r.body.wompi_transaction_id), reference: String(r.body.reference) };
}

/** Changes a transaction at the sandbox without any webhook. */
export async function drift(sandbox: RunningSandbox, wompiId: string, change: Json): Promise<void> {
  const r = await fetch(`${sandbox.origin}/__sandbox/transactions/${wompiId}/drift`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
  if (r.status !== 200) throw new Error(`sandbox drift answered ${r.status}: ${await r.text()}`);
}

export function startRun(t: TestApp, from: Date, until: Date, auth = t.auth): Promise<Response> {
  return fetch(`${t.url}/v1/reconciliations`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ from: from.toISOString(), until: until.toISOString() }),
  });
}

/** Polls the run until it is final; `seen` collects every status it showed on the way. */
export async function waitForRun(
  t: TestApp,
  id: string,
  seen: Set<string> = new Set(),
  timeoutMs = 30_000,
): Promise<Json> {
  return waitFor(
    `reconciliation run ${id} to finish`,
    async () => {
      const r = await fetch(`${t.url}/v1/reconciliations/${id}`, { headers: t.auth });
      const body = (await r.json()) as Json;
      seen.add(String(body.status));
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    },
    timeoutMs,
    50,
  );
}

export async function discrepancies(t: TestApp, runId: string): Promise<Json[]> {
  const r = await fetch(`${t.url}/v1/reconciliations/${runId}/discrepancies`, { headers: t.auth });
  if (r.status !== 200) throw new Error(`discrepancies answered ${r.status}`);
  return ((await r.json()) as { data: Json[] }).data;
}
