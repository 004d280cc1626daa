import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../common/auth/api-key.guard';
import { Metrics } from './metrics';

@ApiTags('metrics')
@PublicRoute()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Prometheus text exposition format 0.0.4: HTTP requests, webhook ingress, the outbox, the Wompi breaker, Node.js process metrics. No authentication: expose it only inside the cluster.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'the metrics, Prometheus text format',
    schema: {
      type: 'string',
      example:
        '# HELP http_requests_total HTTP requests\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/v1/transactions/:id",status="200"} 12\n',
    },
  })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
