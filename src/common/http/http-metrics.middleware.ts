import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from '../../metrics/metrics';

/** Counts requests by route template (never the raw path: ids would explode cardinality). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route =
        (req.route as { path?: string } | undefined)?.path ??
        (res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'unknown');
      const labels = { method: req.method, route: String(route) };
      end(labels);
      this.metrics.httpRequests.inc({ ...labels, status: String(res.statusCode) });
    });
    next();
  }
}
