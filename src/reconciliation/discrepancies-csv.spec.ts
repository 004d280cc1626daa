import { csvField, CSV_COLUMNS, toCsv } from './discrepancies-csv';
import { ReconciliationDiscrepancyEntity } from './reconciliation-discrepancy.entity';

describe('discrepancies CSV', () => {
  it('quotes separators, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\ny')).toBe('"x\ny"');
    expect(csvField(null)).toBe('');
    expect(csvField(150000)).toBe('150000');
  });

  it('neutralises text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('writes the header and one CRLF line per discrepancy', () => {
    const d = Object.assign(new ReconciliationDiscrepancyEntity(), {
      id: '7',
      runId: 'r',
      createdAt: new Date('2025-11-21T08:00:00Z'),
      kind: 'amount_mismatch',
      resolution: 'reported',
      wompiTransactionId: '1-2-3',
      wompiReference: 'ref',
      paymentId: null,
      reference: null,
      ourStatus: 'PENDING',
      wompiStatus: 'APPROVED',
      ourAmountInCents: 100,
      wompiAmountInCents: 200,
      ourCurrency: 'COP',
      wompiCurrency: 'COP',
      detail: 'd',
    });
    const lines = toCsv([d]).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toBe(
      'r,7,2025-11-21T08:00:00.000Z,amount_mismatch,reported,1-2-3,ref,,,PENDING,APPROVED,100,200,COP,COP,d',
    );
    expect(lines[2]).toBe('');
  });
});
