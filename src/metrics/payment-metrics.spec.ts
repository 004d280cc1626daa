import { Metrics } from './metrics';
import { methodLabel, recordApplied, recordCreated, recordTransition, statusLabel } from './payment-metrics';

const value = async (m: Metrics, line: string) => {
  const l = (await m.registry.metrics()).split('\n').find((x) => x.startsWith(`${line} `));
  return l === undefined ? undefined : Number(l.slice(line.length + 1));
};
const payment = {
  paymentMethodType: 'PSE',
  amountInCents: 2_490_000,
  createdAt: new Date('2025-01-01T10:00:00Z'),
  finalizedAt: new Date('2025-01-01T10:02:00Z'),
};

describe('payment metrics', () => {
  it('bounds the labels: Wompi method types, none, OTHER; our statuses or OTHER', () => {
    expect(['CARD', 'NEQUI', 'PSE', 'BANCOLOMBIA_BNPL'].map(methodLabel)).toEqual([
      'CARD',
      'NEQUI',
      'PSE',
      'BANCOLOMBIA_BNPL',
    ]);
    expect([null, undefined, ''].map(methodLabel)).toEqual(['none', 'none', 'none']);
    expect(['card', 'order-123', 'x'.repeat(100)].map(methodLabel)).toEqual(['OTHER', 'OTHER', 'OTHER']);
    expect(['PENDING', 'UNKNOWN', 'APPROVED', 'pending', 'REFUNDED'].map(statusLabel)).toEqual([
      'PENDING',
      'UNKNOWN',
      'APPROVED',
      'OTHER',
      'OTHER',
    ]);
  });

  it('counts a created payment by method and the status Wompi answered', async () => {
    const m = new Metrics(false);
    recordCreated(m, 'NEQUI', 'PENDING');
    recordCreated(m, 'something-else', 'weird');
    expect(await value(m, 'payments_created_total{method="NEQUI",status="PENDING"}')).toBe(1);
    expect(await value(m, 'payments_created_total{method="OTHER",status="OTHER"}')).toBe(1);
  });

  it('counts the first final status only, with its amount and the time from create to final', async () => {
    const m = new Metrics(false);
    recordTransition(m, payment, 'PENDING', 'PENDING');
    recordTransition(m, payment, 'UNKNOWN', 'PENDING');
    recordTransition(m, payment, 'PENDING', 'APPROVED');
    recordTransition(m, payment, 'APPROVED', 'VOIDED');
    recordTransition(m, payment, 'DECLINED', 'APPROVED');
    expect(await value(m, 'payments_finished_total{method="PSE",status="APPROVED"}')).toBe(1);
    expect(await value(m, 'payments_finished_total{method="PSE",status="VOIDED"}')).toBeUndefined();
    expect(await value(m, 'payments_amount_cop_cents_total{method="PSE",status="APPROVED"}')).toBe(2_490_000);
    expect(await value(m, 'payments_create_to_final_seconds_sum{method="PSE",status="APPROVED"}')).toBe(120);
    expect(await value(m, 'payments_create_to_final_seconds_bucket{le="60",method="PSE",status="APPROVED"}')).toBe(0);
    expect(await value(m, 'payments_create_to_final_seconds_bucket{le="120",method="PSE",status="APPROVED"}')).toBe(1);
  });

  it('observes webhook → applied from the inbox row received time', async () => {
    const m = new Metrics(false);
    recordApplied(m, 'CARD', new Date(10_000), 10_750);
    expect(await value(m, 'payments_webhook_to_applied_seconds_sum{method="CARD"}')).toBe(0.75);
    expect(await value(m, 'payments_webhook_to_applied_seconds_count{method="CARD"}')).toBe(1);
  });
});
