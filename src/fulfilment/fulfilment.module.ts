import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { OutboxEntity } from '../messaging/outbox.entity';
import { OutboxModule } from '../messaging/outbox.module';
import { WebhookInboxEntity } from '../webhooks/webhook-inbox.entity';
import { ApplyInboxEvent } from './apply-inbox-event';
import { FulfilmentEntity } from './fulfilment.entity';
import { WebhookEventProcessor } from './webhook-event.processor';
import { BusinessGauges } from '../metrics/business-gauges';

/**
 * The Bull processor that applies inbox events and the outbox relay (worker role), plus the
 * outbox operator endpoints (api role).
 */
@Module({})
export class FulfilmentModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: FulfilmentModule,
      imports: [
        TypeOrmModule.forFeature([FulfilmentEntity, OutboxEntity, WebhookInboxEntity]),
        OutboxModule.forRole(roles),
      ],
      // BusinessGauges: the database-backed business gauges, refreshed by the worker
      providers: roles.worker ? [ApplyInboxEvent, WebhookEventProcessor, BusinessGauges] : [],
      exports: roles.worker ? [ApplyInboxEvent, WebhookEventProcessor] : [],
    };
  }
}
