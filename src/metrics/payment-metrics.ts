import { FINAL_STATUSES, PAYMENT_STATUSES, PaymentStatus } from '../transactions/payment-status';
import { WOMPI_PAYMENT_METHOD_TYPES } from '../wompi/wompi.types';
import { Metrics } from './metrics';

/** The `method` label: one of Wompi's method types, `none` (not chosen yet: checkout) or `OTHER` — never free text. */
export function methodLabel(type: string | null | undefined): string {
  if (type === null || type === undefined || type === '') return 'none';
  return (WOMPI_PAYMENT_METHOD_TYPES as readonly string[]).includes(type) ? type : 'OTHER';
}

/** The `status` label: one of our payment statuses, else `OTHER`. */
export function statusLabel(status: string): string {
  return (PAYMENT_STATUSES as readonly string[]).includes(status) ? status : 'OTHER';
}

const isFinal = (s: PaymentStatus | null | undefined) => s !== null && s !== undefined && FINAL_STATUSES.includes(s);

/** A payment created through the API, with the status Wompi's answer gave it. */
export function recordCreated(metrics: Metrics, method: string | null | undefined, status: string): void {
  metrics.paymentsCreated.inc({ method: methodLabel(method), status: statusLabel(status) });
}

export interface FinishedPayment {
  paymentMethodType: string | null;
  amountInCents: number | string;
  createdAt: Date | string;
  finalizedAt: Date | string | null;
}

/**
 * A status change: counted when it is the payment's first final status (APPROVED → VOIDED, or
 * a later approval of a DECLINED payment, are transitions, not a second finish), so success
 * rates divide payments, not events.
 */
export function recordTransition(
  metrics: Metrics,
  p: FinishedPayment,
  from: PaymentStatus | null,
  to: PaymentStatus,
  nowMs = Date.now(),
): void {
  if (!isFinal(to) || isFinal(from)) return;
  const labels = { method: methodLabel(p.paymentMethodType), status: to };
  metrics.paymentsFinished.inc(labels);
  const amount = Number(p.amountInCents);
  if (Number.isSafeInteger(amount) && amount > 0) metrics.paymentsAmount.inc(labels, amount);
  const created = new Date(p.createdAt).getTime();
  const finished = p.finalizedAt ? new Date(p.finalizedAt).getTime() : nowMs;
  if (Number.isFinite(created) && Number.isFinite(finished))
    metrics.createToFinal.observe(labels, Math.max(0, finished - created) / 1000);
}

/** A webhook event's payment change committed: time since its inbox row was stored. */
export function recordApplied(
  metrics: Metrics,
  method: string | null | undefined,
  receivedAt: Date,
  nowMs = Date.now(),
): void {
  metrics.webhookToApplied.observe({ method: methodLabel(method) }, Math.max(0, nowMs - receivedAt.getTime()) / 1000);
}
