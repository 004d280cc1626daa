/**
 * Which fields an event's checksum must cover (issue 11). `signature.properties` is chosen by
 * the sender and is not itself signed: a genuine event's signed values copied into dummy
 * fields (`transaction._s0`…) with `properties` pointing at them still verify, whatever `id`,
 * `status` or `amount_in_cents` sit beside them. So, per event type, the properties must name
 * every field the service acts on (`required`) and nothing but fields it reads (`allowed`),
 * each once. The order is the sender's: the checksum covers the order it chose.
 *
 * Wompi signs `transaction.id`, `transaction.status`, `transaction.amount_in_cents` on every
 * transaction.updated seen (docs/wompi.md#events-and-the-checksum, fixtures/events/*); the sandbox signs the same, and
 * `<token>.id`, `<token>.status` on token events (src/sandbox/services/webhook.service.ts).
 */
export interface SignedPropertiesRule {
  /** must all be signed: what the service acts on */
  required: readonly string[];
  /** may be signed: fields the service reads (required included) */
  allowed: readonly string[];
}

const tokenRule = (subject: string): SignedPropertiesRule => ({
  required: [`${subject}.id`, `${subject}.status`],
  allowed: [`${subject}.id`, `${subject}.status`],
});

export const SIGNED_PROPERTIES: Readonly<Record<string, SignedPropertiesRule>> = {
  'transaction.updated': {
    required: ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'],
    // what fulfilment reads of data.transaction (src/fulfilment/inbox-event.ts)
    allowed: [
      'transaction.id',
      'transaction.status',
      'transaction.amount_in_cents',
      'transaction.reference',
      'transaction.currency',
      'transaction.payment_method_type',
      'transaction.status_message',
      'transaction.finalized_at',
    ],
  },
  'nequi_token.updated': tokenRule('nequi_token'),
  'bancolombia_transfer_token.updated': tokenRule('bancolombia_transfer_token'),
  // not a known type yet (stored IGNORED), but when it becomes one its id and status matter
  'daviplata_token.updated': tokenRule('daviplata_token'),
};

export type SignedPropertiesVerdict = { ok: true } | { ok: false; problems: string[] };

/**
 * Checks `signature.properties` against the rule of `eventType`. Event types without a rule
 * are never acted on (stored IGNORED), so only duplicates are refused for them: requiring
 * coverage there would refuse Wompi's future event types, which operators want to see.
 */
export function checkSignedProperties(eventType: string, properties: readonly string[]): SignedPropertiesVerdict {
  const problems: string[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const p of properties) (seen.has(p) ? duplicates : seen).add(p);
  if (duplicates.size) problems.push(`listed more than once: ${few([...duplicates])}`);
  const rule = Object.prototype.hasOwnProperty.call(SIGNED_PROPERTIES, eventType)
    ? SIGNED_PROPERTIES[eventType]
    : undefined;
  if (rule) {
    const missing = rule.required.filter((p) => !seen.has(p));
    if (missing.length) problems.push(`must sign ${missing.join(', ')}`);
    const unknown = [...seen].filter((p) => !rule.allowed.includes(p));
    if (unknown.length) problems.push(`not fields a ${eventType} event may sign: ${few(unknown)}`);
  }
  return problems.length ? { ok: false, problems } : { ok: true };
}

/** The answer names what the sender sent, so it is kept short whatever was sent. */
function few(names: string[]): string {
  const shown = names.slice(0, 5).map((n) => (n.length > 64 ? `${n.slice(0, 64)}…` : n));
  return names.length > shown.length ? `${shown.join(', ')} (+${names.length - shown.length} more)` : shown.join(', ');
}
