import { ReconciliationDiscrepancyEntity } from './reconciliation-discrepancy.entity';

/** The finance export's columns, in order (docs/reconciliation.md). */
export const CSV_COLUMNS = [
  'run_id',
  'discrepancy_id',
  'detected_at',
  'kind',
  'resolution',
  'wompi_transaction_id',
  'wompi_reference',
  'payment_id',
  'reference',
  'our_status',
  'wompi_status',
  'our_amount_in_cents',
  'wompi_amount_in_cents',
  'our_currency',
  'wompi_currency',
  'detail',
] as const;

/**
 * One CSV field (RFC 4180). A text starting with = + - @ or a tab/CR is prefixed with `'`
 * (OWASP CSV injection): a Wompi reference is chosen by whoever paid, and the file is opened
 * in a spreadsheet.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(d: ReconciliationDiscrepancyEntity): string {
  const cells: (string | number | null)[] = [
    d.runId,
    d.id,
    d.createdAt.toISOString(),
    d.kind,
    d.resolution,
    d.wompiTransactionId,
    d.wompiReference,
    d.paymentId,
    d.reference,
    d.ourStatus,
    d.wompiStatus,
    d.ourAmountInCents,
    d.wompiAmountInCents,
    d.ourCurrency,
    d.wompiCurrency,
    d.detail,
  ];
  return cells.map(csvField).join(',');
}

/** Header line and one line per discrepancy, CRLF-terminated. */
export function toCsv(rows: ReconciliationDiscrepancyEntity[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map(csvRow)].map((l) => `${l}\r\n`).join('');
}
