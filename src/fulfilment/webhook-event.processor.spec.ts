import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue, PermanentJobError, QueueJob } from '../queue/job-queue.port';
import { GatewayUnavailable } from '../wompi/wompi.errors';
import { ApplyInboxEvent, InboxRowMissing, UnconfirmedByWompi } from './apply-inbox-event';
import { PoisonEvent } from './inbox-event';
import { ApplyEventJobData, WebhookEventProcessor } from './webhook-event.processor';

const INBOX_ID = '6f1c1a52-2f0e-4d7b-9a53-0c2a3e7d9b11';

function setup(execute: () => Promise<unknown>) {
  const failures: { id: string; error: string; status: string }[] = [];
  const apply = {
    execute: jest.fn(execute),
    recordFailure: jest.fn(async (id: string, error: string, status: string) => {
      failures.push({ id, error, status });
    }),
  } as unknown as ApplyInboxEvent;
  const processor = new WebhookEventProcessor({} as JobQueue, apply, { fulfilmentConcurrency: 1 } as AppConfig);
  return { processor, apply, failures };
}

const job = (
  attemptsMade: number,
  attempts = 8,
  data: ApplyEventJobData = { inboxId: INBOX_ID },
): QueueJob<ApplyEventJobData> => ({ id: `inbox:${INBOX_ID}`, name: 'apply-event', data, attemptsMade, attempts });

describe('WebhookEventProcessor.handle', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('dead-letters a job without a valid inbox id at once', async () => {
    const { processor, apply } = setup(async () => undefined);
    await expect(processor.handle(job(0, 8, { inboxId: 'nope' }))).rejects.toBeInstanceOf(PermanentJobError);
    expect(apply.execute).not.toHaveBeenCalled();
  });

  it('marks a poison event DEAD and stops retrying', async () => {
    const { processor, failures } = setup(async () => {
      throw new PoisonEvent('transaction.updated without data.transaction');
    });
    await expect(processor.handle(job(0))).rejects.toBeInstanceOf(PermanentJobError);
    expect(failures).toEqual([{ id: INBOX_ID, error: expect.stringContaining('poison'), status: 'DEAD' }]);
  });

  it('dead-letters a job whose inbox row is gone', async () => {
    const { processor, failures } = setup(async () => {
      throw new InboxRowMissing(INBOX_ID);
    });
    await expect(processor.handle(job(0))).rejects.toBeInstanceOf(PermanentJobError);
    expect(failures).toEqual([]);
  });

  it('records a transient failure as FAILED and rethrows it for a retry', async () => {
    const boom = new Error('Wompi is unavailable');
    const { processor, failures } = setup(async () => {
      throw boom;
    });
    await expect(processor.handle(job(2))).rejects.toBe(boom);
    expect(failures).toEqual([
      { id: INBOX_ID, error: expect.stringContaining('Wompi is unavailable'), status: 'FAILED' },
    ]);
  });

  it('marks the row DEAD when the last attempt fails', async () => {
    const { processor, failures } = setup(async () => {
      throw new Error('still down');
    });
    await expect(processor.handle(job(7, 8))).rejects.toThrow('still down');
    expect(failures[0].status).toBe('DEAD');
  });

  it('retries an event Wompi does not confirm yet (FAILED), and parks it UNCONFIRMED — never DEAD or PROCESSED — after the last attempt', async () => {
    const unconfirmed = () => new UnconfirmedByWompi('15113-1700000000-12345', 'APPROVED', 'PENDING');
    const { processor, failures } = setup(async () => {
      throw unconfirmed();
    });
    await expect(processor.handle(job(0, 8))).rejects.toBeInstanceOf(UnconfirmedByWompi);
    await expect(processor.handle(job(7, 8))).rejects.toBeInstanceOf(UnconfirmedByWompi);
    expect(failures).toEqual([
      { id: INBOX_ID, error: expect.stringMatching(/^unconfirmed: .*APPROVED.*PENDING/), status: 'FAILED' },
      { id: INBOX_ID, error: expect.stringMatching(/^unconfirmed: /), status: 'UNCONFIRMED' },
    ]);
  });

  it('hands the row back to the sweeper (RECEIVED) when Wompi is still unreachable on the last attempt', async () => {
    const { processor, failures } = setup(async () => {
      throw new GatewayUnavailable('circuit open', 30);
    });
    await expect(processor.handle(job(7, 8))).rejects.toBeInstanceOf(GatewayUnavailable);
    expect(failures).toEqual([{ id: INBOX_ID, error: expect.stringContaining('circuit open'), status: 'RECEIVED' }]);
  });
});
