/* The minimal correct ingest server the webhook bench compares the service with: bare
 * node:http, the same checksum and event key, one INSERT … ON CONFLICT DO NOTHING of the raw
 * event into the same webhook_inbox table through a pg pool, 200 once committed. No framework,
 * no logging, no queue. Run as its own process: PORT, DATABASE_URL, EVENTS_SECRET. */
import { createServer } from 'node:http';
import { Pool } from 'pg';
import { eventKeyOf, parseEnvelope } from '../src/webhooks/event-envelope';
import { verifyEventChecksum } from '../src/wompi/signatures';

const LIMIT = 256 * 1024;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const secrets = [String(process.env.EVENTS_SECRET)];
const INSERT = `insert into webhook_inbox (event_key, event_type, environment, checksum, signed_timestamp, sent_at, raw_body, payload, status)
  values ($1, $2, $3, $4, $5, $6, $7::text, $7::text::jsonb, 'RECEIVED') on conflict (event_key) do nothing`;

function answer(res: import('node:http').ServerResponse, status: number): void {
  const body = status === 200 ? '{"received":true}' : `{"status":${status}}`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= LIMIT) chunks.push(c);
  });
  req.on('end', () => {
    if (size > LIMIT) return answer(res, 413);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(res, 400);
    }
    const parsed = parseEnvelope(body, undefined);
    if (!parsed.ok) return answer(res, 400);
    const e = parsed.envelope;
    if (
      !verifyEventChecksum(
        { data: e.data, timestamp: e.timestamp, signature: { properties: e.properties, checksum: e.checksum } },
        undefined,
        secrets,
      ).valid
    )
      return answer(res, 401);
    const key = eventKeyOf(e);
    if (!key.ok) return answer(res, 400);
    pool
      .query({
        name: 'baseline-insert',
        text: INSERT,
        values: [key.key, e.event, e.environment, e.checksum, String(e.timestamp), e.sentAt, raw],
      })
      .then(
        () => answer(res, 200),
        () => answer(res, 503),
      );
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : ''}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
