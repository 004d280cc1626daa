import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Roles } from '../common/roles';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { EventBus } from './event-bus.port';
import { OutboxAdminService } from './outbox-admin.service';
import { OutboxController } from './outbox.controller';
import { OutboxRelay } from './outbox-relay';
import { OutboxSignal } from './outbox-signal';

/** Runs the relay for the lifetime of a worker process. */
@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(OutboxRelay) private readonly relay: OutboxRelay) {}
  onApplicationBootstrap(): void {
    this.relay.start();
  }
  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }
}

/** The outbox: its relay in workers, its operator endpoints in the API. */
@Module({})
export class OutboxModule {
  static forRole(roles: Roles): DynamicModule {
    const relay = [
      {
        provide: OutboxRelay,
        inject: [DataSource, EventBus, AppConfig, Metrics, OutboxSignal],
        useFactory: (ds: DataSource, bus: EventBus, c: AppConfig, m: Metrics, s: OutboxSignal) =>
          new OutboxRelay(ds, bus, c.outbox, m, s),
      },
      OutboxRelayLifecycle,
    ];
    return {
      module: OutboxModule,
      controllers: roles.api ? [OutboxController] : [],
      providers: [...(roles.api ? [OutboxAdminService] : []), ...(roles.worker ? relay : [])],
      exports: roles.worker ? [OutboxRelay] : [],
    };
  }
}
