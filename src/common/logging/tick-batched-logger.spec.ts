import { tickBatchedLogger } from './tick-batched-logger';

describe('tickBatchedLogger', () => {
  it('writes the lines of one event-loop turn together at its end, scrubbed like every line', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const log = tickBatchedLogger('info', 'pretty', 'Webhooks');
      log.info(
        { request_id: 'r-1', event_key: 'nequi_token.updated:nequi_test_abc123:APPROVED' },
        'webhook event stored',
      );
      log.info({ request_id: 'r-2' }, 'webhook event stored');
      log.debug({ request_id: 'r-3' }, 'below the level');
      expect(writes).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toHaveLength(1);
      const lines = writes[0].trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/INFO +\[Webhooks\] webhook event stored .*request_id=r-1/);
      expect(lines[0]).toContain('event_key=nequi_token.updated:[REDACTED]:APPROVED');
      expect(lines[1]).toMatch(/request_id=r-2/);
      log.info({ request_id: 'r-4' }, 'webhook event stored');
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
  });
});
