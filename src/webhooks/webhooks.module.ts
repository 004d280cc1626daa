import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { InboxDispatcher } from './inbox-dispatcher';
import { InboxStore } from './inbox.store';
import { InboxRelay, InboxSignal } from './inbox-relay';
import { InboxSweeper } from './inbox-sweeper';
import { WebhookEventsController } from './webhook-events.controller';
import { WebhookEventsService } from './webhook-events.service';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookInboxEntity } from './webhook-inbox.entity';
import { WompiWebhookController } from './wompi-webhook.controller';

/** Wompi's event ingress: verify → store (inbox) → 200; the relay (enqueue) and the sweeper run in workers. */
@Module({})
export class WebhooksModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [TypeOrmModule.forFeature([WebhookInboxEntity])],
      controllers: roles.api ? [WompiWebhookController, WebhookEventsController] : [],
      providers: [
        InboxStore,
        InboxDispatcher,
        // the api's ingress wakes the worker's relay when both run in this process (ROLE=all)
        InboxSignal,
        ...(roles.api ? [WebhookIngestService, WebhookEventsService] : []),
        ...(roles.worker ? [InboxRelay, InboxSweeper] : []),
      ],
    };
  }
}
