import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { PublicRoute } from '../common/auth/api-key.guard';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../messaging/event-bus.port';
import { JobQueue } from '../queue/job-queue.port';
import { WompiGateway } from '../wompi/wompi-gateway.port';

const CHECK_TIMEOUT_MS = 1000;

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly queue: JobQueue,
    private readonly bus: EventBus,
    private readonly gateway: WompiGateway,
    private readonly config: AppConfig,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked)' })
  live() {
    return this.health.check([async () => this.indicator.check('process').up({ pid: process.pid, uptime_s: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Postgres, Redis and RabbitMQ answer; the Wompi breaker is reported, never failing' })
  ready() {
    const checks = [
      () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.probe('redis', () => this.queue.ping(CHECK_TIMEOUT_MS)),
      // Wompi being down must not stop webhooks being accepted: information only.
      async () => this.indicator.check('wompi').up({ breaker: this.gateway.breakerState() }),
    ];
    if (this.config.amqpUrl && this.config.busDriver === 'amqp') checks.push(() => this.probe('rabbitmq', () => this.bus.ping(CHECK_TIMEOUT_MS)));
    return this.health.check(checks);
  }

  private async probe(key: string, fn: () => Promise<void>): Promise<HealthIndicatorResult> {
    const i = this.indicator.check(key);
    try {
      await fn();
      return i.up();
    } catch (err) {
      return i.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }
}
