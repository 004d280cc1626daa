import { DynamicModule, Inject, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { Metrics } from '../metrics/metrics';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationDiscrepancyEntity } from './reconciliation-discrepancy.entity';
import { ReconciliationRunEntity } from './reconciliation-run.entity';
import { ReconciliationRunner } from './reconciliation-runner';
import { ReconciliationService } from './reconciliation.service';
import { ReconciliationWorker } from './reconciliation.worker';

/** Points the reconciliation gauges at the database (read at scrape time, in every role). */
class ReconciliationMetrics {
  constructor(@Inject(ReconciliationService) service: ReconciliationService, @Inject(Metrics) metrics: Metrics) {
    metrics.observeReconciliation(() => service.health());
  }
}

/**
 * Our books against Wompi's (docs/reconciliation.md): the operator API (api role), and the run
 * executor plus the daily schedule (worker role).
 */
@Module({})
export class ReconciliationModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: ReconciliationModule,
      imports: [TypeOrmModule.forFeature([ReconciliationRunEntity, ReconciliationDiscrepancyEntity])],
      providers: [
        ReconciliationService,
        { provide: ReconciliationMetrics, useClass: ReconciliationMetrics },
        ...(roles.worker ? [ReconciliationRunner, ReconciliationWorker] : []),
      ],
      controllers: roles.api ? [ReconciliationController] : [],
    };
  }
}
