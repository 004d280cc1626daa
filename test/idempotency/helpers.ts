/* Shared by the idempotency and checkout suites: a tiny JSON client for the app. */
import { TestApp } from '../support/app';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Reply {
  status: number;
  body: Json;
  headers: Headers;
}

export async function post(
  t: TestApp,
  path: string,
  body: unknown,
  opts: { key?: string | null; auth?: { Authorization: string } } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.auth ?? t.auth) };
  if (opts.key !== null && opts.key !== undefined) headers['idempotency-key'] = opts.key;
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

export async function get(
  t: TestApp,
  path: string,
  auth: { Authorization: string } | Record<string, never> = t.auth,
): Promise<Reply> {
  const res = await fetch(`${t.url}${path}`, { headers: { ...auth } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

let seq = 0;
export const newKey = (prefix = 'key'): string => `${prefix}-${process.pid}-${Date.now()}-${++seq}`;

export const session = (over: Json = {}): Json => ({ amount_in_cents: 2_490_000, currency: 'COP', ...over });
