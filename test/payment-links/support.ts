/* Helpers for the payment-link suites: our API (with PATCH), and the sandbox as the payer on
 * Wompi's checkout page and as an independent observer with the private key. */
import { RunningSandbox } from '../../src/sandbox/start-sandbox';
import { TestApp } from '../support/app';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

export async function call(
  t: TestApp,
  method: string,
  path: string,
  opts: { body?: unknown; key?: string; authorization?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: opts.authorization ?? t.auth.Authorization };
  if (opts.key) headers['idempotency-key'] = opts.key;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

export const LINK = {
  name: 'Camiseta talla M',
  description: 'Camiseta de algodón',
  single_use: false,
  amount_in_cents: 5_000_000,
};

/** The payer pays the link on Wompi's checkout page (sandbox admin); Wompi's transaction comes back. */
export async function payLink(sandbox: RunningSandbox, wompiLinkId: string, body: Json = {}): Promise<Json> {
  const r = await fetch(`${sandbox.origin}/__sandbox/payment_links/${wompiLinkId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`sandbox pay link answered ${r.status}: ${await r.text()}`);
  return ((await r.json()) as { data: Json }).data;
}

/** The link as Wompi holds it (private key). */
export async function wompiLink(sandbox: RunningSandbox, wompiLinkId: string): Promise<Json> {
  const r = await fetch(`${sandbox.baseUrl}/payment_links/${wompiLinkId}`, {
    headers: { authorization: `Bearer ${sandbox.keys.privateKey}` },
  });
  return ((await r.json()) as { data: Json }).data;
}
