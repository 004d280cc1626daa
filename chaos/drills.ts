/* The fault drills: what each injects in the middle of the load and how it heals. Durations
 * are the outside drills' (`quickFaultMs` for `--quick` smoke runs). */
import { Stack } from './stack';

export interface DrillContext {
  stack: Stack;
  /** free-form facts the drill observed (exit codes, connections dropped…), kept in the JSON */
  notes: Record<string, unknown>;
  log(message: string): void;
}

export interface Drill {
  name: string;
  what: string;
  faultMs: number;
  quickFaultMs: number;
  /** settle bound after the load ends (the poller needs ~1.5 min for payments whose webhooks were lost) */
  settleMs: number;
  /** extra env for every role */
  env?: Record<string, string>;
  inject(ctx: DrillContext): Promise<void>;
  /** heals the fault; resolves when healed (e.g. the restarted process is ready) */
  heal(ctx: DrillContext): Promise<void>;
}

const noFaults = (ctx: DrillContext) => ctx.stack.sandboxFaults({});

export const DRILLS: Drill[] = [
  {
    name: 'baseline',
    what: 'no fault: calibrates the harness and the machine (same load, same ledger)',
    faultMs: 0,
    quickFaultMs: 0,
    settleMs: 150_000,
    inject: async () => undefined,
    heal: async () => undefined,
  },
  {
    name: 'redis-kill',
    what: 'own redis-server SIGKILLed, restarted empty after the fault',
    faultMs: 20_000,
    quickFaultMs: 8_000,
    settleMs: 150_000,
    inject: async ({ stack }) => stack.redis.kill(),
    heal: async ({ stack }) => stack.redis.start(),
  },
  {
    name: 'amqp-cut',
    what: 'RabbitMQ connections dropped and new ones refused at the proxy',
    faultMs: 30_000,
    quickFaultMs: 8_000,
    settleMs: 150_000,
    inject: async ({ stack, notes }) => {
      stack.amqpProxy.setMode('refuse');
      notes.amqp_connections_dropped = stack.amqpProxy.drop();
    },
    heal: async ({ stack }) => stack.amqpProxy.setMode('pass'),
  },
  {
    name: 'worker-kill',
    what: 'worker1 SIGKILLed mid-load, restarted after the fault',
    faultMs: 10_000,
    quickFaultMs: 5_000,
    settleMs: 150_000,
    inject: async ({ stack }) => stack.workers[0].kill(),
    heal: async ({ stack }) => stack.workers[0].start(),
  },
  {
    name: 'pg-drop',
    what: 'Postgres connections dropped and new ones refused at the proxy',
    faultMs: 10_000,
    quickFaultMs: 5_000,
    settleMs: 150_000,
    inject: async ({ stack, notes }) => {
      stack.pgProxy.setMode('refuse');
      notes.pg_connections_dropped = stack.pgProxy.drop();
    },
    heal: async ({ stack }) => stack.pgProxy.setMode('pass'),
  },
  {
    name: 'pg-hang',
    what: 'Postgres connections stalled (open, nothing forwarded) and new ones accepted but never answered',
    faultMs: 10_000,
    quickFaultMs: 5_000,
    settleMs: 150_000,
    inject: async ({ stack }) => stack.pgProxy.setMode('hang'),
    heal: async ({ stack }) => stack.pgProxy.setMode('pass'),
  },
  {
    name: 'wompi-5xx',
    what: 'sandbox answers half of all /v1 requests 500 (no effect)',
    faultMs: 20_000,
    quickFaultMs: 6_000,
    settleMs: 150_000,
    inject: (ctx) => ctx.stack.sandboxFaults({ error_rate: 0.5 }),
    heal: noFaults,
  },
  {
    name: 'wompi-hang-create',
    what: 'sandbox creates the next 20 transactions but never answers (ambiguous creates), and every call answered 2 s late (slow Wompi)',
    faultMs: 20_000,
    quickFaultMs: 6_000,
    settleMs: 150_000,
    env: { WOMPI_TIMEOUT_MS: '3000' },
    inject: (ctx) =>
      ctx.stack.sandboxFaults({
        latency_ms: 2000,
        hang_next: { count: 20, method: 'POST', path: '/v1/transactions', apply: true },
      }),
    heal: noFaults,
  },
  {
    name: 'webhooks-dup-reorder-drop',
    what: 'every webhook delivered twice, held and reordered, and the next 40 attempts dropped (retried by the sandbox)',
    faultMs: 30_000,
    quickFaultMs: 8_000,
    settleMs: 150_000,
    inject: (ctx) =>
      ctx.stack.sandboxFaults({ webhooks: { duplicate: true, reorder: true, reorder_window_ms: 1500, drop_next: 40 } }),
    heal: noFaults,
  },
  {
    name: 'webhooks-given-up',
    what: 'every webhook attempt dropped; with retries 1s,2s,4s the sandbox gives events up, the stale-payment poller must settle them',
    faultMs: 20_000,
    quickFaultMs: 12_000,
    settleMs: 240_000,
    inject: (ctx) => ctx.stack.sandboxFaults({ webhooks: { drop_next: 1_000_000 } }),
    heal: noFaults,
  },
  {
    name: 'api-sigterm',
    what: 'api SIGTERMed under load (graceful shutdown), a new api started on the same port once it exited',
    faultMs: 0,
    quickFaultMs: 0,
    settleMs: 150_000,
    inject: async ({ stack, notes }) => {
      const e = await stack.api.terminate(15_000);
      notes.api_shutdown = { code: e.code, signal: e.signal, ms: e.ms };
    },
    heal: async ({ stack }) => stack.api.start(),
  },
];
