import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AcceptanceModule } from './acceptance/acceptance.module';
import { ApiKeyGuard } from './common/auth/api-key.guard';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { PanGuard } from './common/pan-guard/pan.guard';
import { ProblemDetailsFilter } from './common/http/problem-details.filter';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { HttpMetricsMiddleware } from './common/http/http-metrics.middleware';
import { LoggingModule } from './common/logging/logging.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ExternalTransactionsModule } from './external-transactions/external-transactions.module';
import { FulfilmentModule } from './fulfilment/fulfilment.module';
import { HealthModule } from './health/health.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpsModule } from './ops/ops.module';
import { PaymentLinksModule } from './payment-links/payment-links.module';
import { PaymentSourcesModule } from './payment-sources/payment-sources.module';
import { QueueModule } from './queue/queue.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { TransactionsModule } from './transactions/transactions.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WompiModule } from './wompi/wompi.module';

/**
 * Composition root. One image, three roles: `api` serves the HTTP API, `worker` runs the
 * processors, relays and schedulers (and serves only health and metrics over HTTP), `all`
 * does both. Feature modules expose `forRole` so their workers stay out of api pods.
 */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    const api = config.role === 'api' || config.role === 'all';
    const worker = config.role === 'worker' || config.role === 'all';
    const roles = { api, worker };
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        RateLimitModule,
        DatabaseModule,
        QueueModule.forRoot(config),
        MessagingModule,
        WompiModule,
        IdempotencyModule.forRole(roles),
        HealthModule,
        AcceptanceModule.forRole(roles),
        PaymentSourcesModule.forRole(roles),
        PaymentLinksModule.forRole(roles),
        ExternalTransactionsModule.forRole(roles),
        TransactionsModule.forRole(roles),
        WebhooksModule.forRole(roles),
        FulfilmentModule.forRole(roles),
        OpsModule.forRole(roles),
        ReconciliationModule.forRole(roles),
      ],
      providers: [
        // first: it must see refused keys (to throttle them) before the API-key guard answers 401
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        // after authentication (so the refusal is logged with the caller), before idempotency
        { provide: APP_GUARD, useClass: PanGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
