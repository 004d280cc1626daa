import { DataSource } from 'typeorm';
import { OutboxWriter } from '../../src/messaging/outbox-writer';
import type { TestApp } from '../support/app';

/** Commits one outbox event `transaction.<status>` for `aggregateId` through the app's OutboxWriter; returns its event id. */
export function writeOutboxEvent(t: TestApp, aggregateId: string, status: string): Promise<string> {
  return t.app.get(DataSource).transaction((m) =>
    t.app.get(OutboxWriter).write(m, {
      type: `transaction.${status}`,
      aggregateId,
      subject: `ref-${aggregateId.slice(0, 8)}`,
      dedupeKey: `${aggregateId}:${status}`,
      data: { id: aggregateId, status: status.toUpperCase(), metadata: {} },
    }),
  );
}
