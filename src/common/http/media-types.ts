import type { IncomingMessage } from 'node:http';

/**
 * The one definition of a request body the internal API takes: `application/json`, with no
 * parameter but an optional `charset=utf-8`. The 415 gate refuses every other body and the
 * JSON parser parses exactly these (its `type` is `isApiJson`), so no body can pass the gate
 * and then reach a handler unparsed as `{}`. `application/*+json` is refused rather than parsed:
 * merge-patch and friends carry semantics (null = delete, partial documents) no handler
 * implements, and reading them as plain JSON would silently change what the caller meant.
 */
export const API_MEDIA_TYPE = 'application/json';
export const MEDIA_TYPE_MESSAGE = 'send the body as application/json (charset utf-8, or no charset)';

/** `undefined` when the Content-Type header names the API's JSON, else why it does not. */
export function apiJsonProblem(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType.trim() === '')
    return 'a body was sent without a Content-Type; ' + MEDIA_TYPE_MESSAGE;
  const [type, ...params] = contentType.split(';').map((s) => s.trim());
  if (type.toLowerCase() !== API_MEDIA_TYPE)
    return `${type || 'this media type'} is not accepted; ${MEDIA_TYPE_MESSAGE}`;
  for (const p of params) {
    if (p === '') continue;
    const i = p.indexOf('=');
    const name = (i > 0 ? p.slice(0, i) : p).trim().toLowerCase();
    const value = (i > 0 ? p.slice(i + 1) : '')
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (name !== 'charset') return `the Content-Type parameter ${name} is not accepted; ${MEDIA_TYPE_MESSAGE}`;
    if (value !== 'utf-8')
      return `charset ${value || '(empty)'} is not accepted: JSON is UTF-8 (RFC 8259); ${MEDIA_TYPE_MESSAGE}`;
  }
  return undefined;
}

/** Whether the request carries a body: a non-zero Content-Length, or Transfer-Encoding. */
export function carriesBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** The JSON parser's `type`: the same predicate the gate enforces. */
export const isApiJson = (req: IncomingMessage): boolean => apiJsonProblem(req.headers['content-type']) === undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Thrown from the parsers' `verify` hook; app.factory maps it to 400 MALFORMED_BODY naming `body`. */
export class NotUtf8Error extends Error {
  readonly type = 'entity.not.utf8';
  readonly status = 400;
  constructor() {
    super('the request body is not valid UTF-8');
  }
}

/**
 * The parser would replace invalid bytes with U+FFFD and carry on: a body whose bytes are not
 * UTF-8 is refused instead (no caller, and not Wompi, sends one on purpose).
 */
export function assertUtf8(buf: Buffer): void {
  try {
    utf8.decode(buf);
  } catch {
    throw new NotUtf8Error();
  }
}
