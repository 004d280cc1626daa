import { AppConfig } from '../config/app-config';

export type CheckLevel = 'pass' | 'fail' | 'warn';

export interface GoLiveCheck {
  /** the item of the go-live checklist it answers */
  item: string;
  level: CheckLevel;
  detail: string;
}

export interface GoLiveFacts {
  /** production-looking secrets found in git history (masked), when a checkout was given */
  gitSecretsFound?: string[];
  /** result of an online merchant lookup with the public key, when asked */
  merchantLookup?: { ok: boolean; detail: string };
}

const PROD_API = 'https://production.wompi.co/v1';

/** Production secrets as they look in a diff (the public key is not a secret). */
export const PROD_SECRET_PATTERN = /\b(?:prv_prod|prod_integrity|prod_events)_[A-Za-z0-9]{16,}/g;

/** Example values printed in Wompi's public documentation (docs/wompi.md#environments-and-keys, #integrity-signature, #events-and-the-checksum). */
const DOCUMENTED_EXAMPLES = new Set([
  'prv_prod_434092Xa65F54dd6a181D1f87DFa03CzS',
  'prod_events_Y49rL5FGw4vTeiUaZaJ957hlpezdPQ0r',
  'prod_integrity_ep4b3kSYJg2bWHwL7ulhPCDvaiyGDW7V',
  'prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6',
  'prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z',
]);

/**
 * Production-looking secrets in text (e.g. `git log -p`) that are neither Wompi's documented
 * examples nor obvious placeholders (a handful of distinct characters, like `QQQQ…` or
 * `SECRETSECRET…`). Returned masked: prefix and four characters.
 */
export function suspiciousSecrets(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(PROD_SECRET_PATTERN)) {
    const value = m[0];
    const body = value.slice(value.lastIndexOf('_') + 1);
    if (DOCUMENTED_EXAMPLES.has(value) || new Set(body).size < 10) continue;
    found.add(`${value.slice(0, value.lastIndexOf('_') + 5)}…`);
  }
  return [...found];
}

/**
 * The production go-live checklist, as far as configuration can prove it. Pure: the CLI
 * gathers the facts (git scan, online lookup) and prints the result.
 */
export function goLiveChecks(c: AppConfig, facts: GoLiveFacts = {}): GoLiveCheck[] {
  const checks: GoLiveCheck[] = [];
  const add = (item: string, ok: boolean | 'warn', detail: string) =>
    checks.push({ item, level: ok === 'warn' ? 'warn' : ok ? 'pass' : 'fail', detail });

  add(
    'Switched to production keys (pub_prod_, prv_prod_, prod_integrity_, prod_events_)',
    c.wompi.environment === 'prod',
    c.wompi.environment === 'prod'
      ? 'every Wompi key and secret has its production prefix (boot refuses mixed keys)'
      : 'keys are sandbox keys (pub_test_…)',
  );
  add(
    'API base URL set to https://production.wompi.co/v1',
    c.wompi.baseUrl === PROD_API,
    `WOMPI_BASE_URL is ${new URL(c.wompi.baseUrl || 'http://unset').origin}`,
  );
  add('HTTPS enforced for API calls', c.wompi.baseUrl.startsWith('https://'), 'WOMPI_BASE_URL scheme');
  add(
    'HTTPS enforced for the checkout redirect',
    c.wompi.checkoutUrl.startsWith('https://'),
    'WOMPI_CHECKOUT_URL scheme',
  );
  add(
    'Webhook signature validation with the production events secret',
    c.wompi.eventsSecrets.length > 0 && c.wompi.eventsSecrets.every((s) => s.startsWith('prod_events_')),
    `${c.wompi.eventsSecrets.length} events secret(s) configured`,
  );
  if (c.wompi.eventsSecrets.length > 1)
    add(
      'Key rotation finished',
      'warn',
      `${c.wompi.eventsSecrets.length} events secrets accepted: remove the old one once Wompi signs with the new one`,
    );
  add(
    'Transaction verified server-side (APPROVED confirmed with Wompi before fulfilment)',
    c.wompi.verifyApprovedByFetch,
    `WOMPI_VERIFY_APPROVED_BY_FETCH=${c.wompi.verifyApprovedByFetch}`,
  );
  add('Webhook processing is async (queue) and durable', c.queueDriver === 'bull', `QUEUE_DRIVER=${c.queueDriver}`);
  add('Domain events reach other services (RabbitMQ outbox)', c.busDriver === 'amqp', `BUS_DRIVER=${c.busDriver}`);
  add('Production runtime', c.nodeEnv === 'production', `NODE_ENV=${c.nodeEnv}`);
  add(
    'Strong internal API keys',
    c.apiKeys.every((k) => k.key.length >= 32),
    `${c.apiKeys.length} caller key(s); every key must be ≥ 32 characters`,
  );
  add('Idempotency records kept ≥ 24 h', c.idempotencyTtlHours >= 24, `IDEMPOTENCY_TTL_HOURS=${c.idempotencyTtlHours}`);
  add(
    'Logging without secrets',
    !['debug', 'trace'].includes(c.logLevel) ? true : 'warn',
    `LOG_LEVEL=${c.logLevel} (logs are scrubbed at every level; debug/trace are noisy)`,
  );
  add(
    'JSON logs',
    c.logFormat === 'json' ? true : 'warn',
    `LOG_FORMAT=${c.logFormat} (pretty is for a person at a terminal; log pipelines read JSON)`,
  );
  add(
    'Schema managed by migrations only',
    !c.migrationsRun,
    c.migrationsRun
      ? 'DB_MIGRATIONS_RUN=true: run migrations as a Job instead'
      : 'migrations run by the deploy Job, never at boot',
  );
  if (facts.gitSecretsFound) {
    add(
      'No secrets in git',
      facts.gitSecretsFound.length === 0,
      facts.gitSecretsFound.length === 0
        ? 'git history holds no production secret (documented examples and placeholders aside)'
        : `found in git history: ${facts.gitSecretsFound.join(', ')} — rotate them, then purge the history`,
    );
  }
  if (facts.merchantLookup)
    add(
      'Keys obtained from the Production section of the dashboard',
      facts.merchantLookup.ok,
      facts.merchantLookup.detail,
    );
  return checks;
}
