import { isStrictInstant } from '../../common/http/validators';

/** The list cursor: the last row's (created_at with microseconds, id), as opaque base64url JSON. */
export interface Cursor {
  t: string;
  i: string;
}

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ t: c.t, i: c.i }), 'utf8').toString('base64url');
}

/** undefined when the text is not a cursor we issued (never trusted into SQL unchecked: a month 13 that fits the pattern would be a Postgres error). */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof v.t === 'string' && TS.test(v.t) && isStrictInstant(v.t) && typeof v.i === 'string' && UUID.test(v.i))
      return { t: v.t, i: v.i };
  } catch {
    // not JSON: fall through
  }
  return undefined;
}
