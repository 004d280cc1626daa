import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { WompiGateway } from './wompi-gateway.port';
import { WompiHttpGateway } from './wompi-http.gateway';

/**
 * Provides the `WompiGateway` port, backed by the HTTP adapter. Global: every feature module
 * (acceptance, transactions, webhooks, reconciliation) injects the port, never the adapter.
 * Expects AppConfig and Metrics to be provided globally (ConfigModule, MetricsModule).
 */
@Global()
@Module({
  providers: [
    {
      provide: WompiGateway,
      inject: [AppConfig, Metrics],
      useFactory: (config: AppConfig, metrics: Metrics) =>
        new WompiHttpGateway(config, metrics, { logger: new Logger('WompiGateway') }),
    },
  ],
  exports: [WompiGateway],
})
export class WompiModule {}
