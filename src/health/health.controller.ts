import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { PublicRoute } from '../common/auth/api-key.guard';
import { AppConfig, Role } from '../config/app-config';
import { EventBus } from '../messaging/event-bus.port';
import { JobQueue } from '../queue/job-queue.port';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { HealthDatabase } from './health-database';

const CHECK_TIMEOUT_MS = 1000;

/**
 * Which dependencies take a pod out of the Service when they stop answering, per role.
 * The api serves creates (Postgres + Wompi) and stores webhooks in Postgres, and copes without
 * Redis (the inbox sweeper enqueues later) and RabbitMQ (only workers publish): failing on
 * them would empty the api Service during a blip of either. A worker (and `all`, which runs
 * the worker's loops in the same process) can do nothing useful without them.
 */
export function requiredDependencies(role: Role): { redis: boolean; rabbitmq: boolean } {
  const worker = role === 'worker' || role === 'all';
  return { redis: worker, rabbitmq: worker };
}

type Check = () => Promise<HealthIndicatorResult>;

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly db: HealthDatabase,
    private readonly queue: JobQueue,
    private readonly bus: EventBus,
    private readonly gateway: WompiGateway,
    private readonly config: AppConfig,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked)' })
  live() {
    return this.health.check([
      async () => this.indicator.check('process').up({ pid: process.pid, uptime_s: Math.round(process.uptime()) }),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: Postgres answers and every migration is applied; worker and all also need Redis and RabbitMQ. ' +
      'For the api, Redis and RabbitMQ are reported (required: false) but never fail it; the Wompi breakers never fail it. ' +
      'In `npm run dev` without Redis / RabbitMQ the entries are `queue` (driver memory) and `bus` (driver log) instead.',
  })
  async ready(): Promise<HealthCheckResult> {
    const need = requiredDependencies(this.config.role);
    const required: Check[] = [() => this.database()];
    const optional: Check[] = [
      // Wompi being down must not stop webhooks being accepted: information only.
      async () =>
        this.indicator
          .check('wompi')
          .up({ breaker: this.gateway.breakerState(), breakers: this.gateway.breakerStates() }),
    ];
    // Each entry is named after what is really behind the port: `redis` / `rabbitmq` when the
    // service runs on them (production always does: config refuses the in-process queue there),
    // `queue` (driver memory) / `bus` (driver log) in `npm run dev`, where there is no Redis or
    // RabbitMQ to report on.
    if (this.queue.driver === 'bull') {
      (need.redis ? required : optional).push(() =>
        this.probe('redis', () => this.queue.ping(CHECK_TIMEOUT_MS), need.redis),
      );
    } else {
      optional.push(async () => this.indicator.check('queue').up({ driver: this.queue.driver }));
    }
    if (this.bus.driver === 'amqp') {
      (need.rabbitmq ? required : optional).push(() =>
        this.probe('rabbitmq', () => this.bus.ping(CHECK_TIMEOUT_MS), need.rabbitmq),
      );
    } else {
      optional.push(async () => this.indicator.check('bus').up({ driver: this.bus.driver }));
    }
    const [verdict, extra] = await Promise.all([
      this.health.check(required).catch((err: unknown) => err),
      Promise.all(optional.map((c) => c())),
    ]);
    const info = Object.assign({}, ...extra) as HealthIndicatorResult;
    if (verdict instanceof ServiceUnavailableException) {
      const body = verdict.getResponse() as HealthCheckResult;
      throw new ServiceUnavailableException({
        ...body,
        info: { ...body.info, ...info },
        details: { ...body.details, ...info },
      });
    }
    if (verdict instanceof Error) throw verdict;
    const ok = verdict as HealthCheckResult;
    return { ...ok, info: { ...ok.info, ...info }, details: { ...ok.details, ...info } };
  }

  private async database(): Promise<HealthIndicatorResult> {
    const i = this.indicator.check('database');
    try {
      const { pending } = await this.db.check(CHECK_TIMEOUT_MS);
      if (pending.length > 0)
        return i.down({ message: `${pending.length} migration(s) not applied`, pending_migrations: pending });
      return i.up();
    } catch (err) {
      return i.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }

  private async probe(key: string, fn: () => Promise<void>, required: boolean): Promise<HealthIndicatorResult> {
    const i = this.indicator.check(key);
    const extra: Record<string, unknown> = required ? {} : { required: false };
    try {
      await fn();
      return i.up(extra);
    } catch (err) {
      return i.down({ ...extra, message: err instanceof Error ? err.message : 'unreachable' });
    }
  }
}
