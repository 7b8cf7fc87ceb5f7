import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';

/** The route label of a request no route matched: never the raw path, which would make a label per URL. */
const UNMATCHED = 'unmatched';

/** Counts and times every HTTP request by method, route pattern (`/jobs/:id`, not the id) and status. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'cask_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'cask_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to the end of its response, by method and route pattern',
      labelNames: ['method', 'route'],
      registers: [registry],
    });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const start = performance.now();
    // 'close' rather than 'finish': a live event stream ends when its client goes, without finishing.
    res.once('close', () => {
      const path = (req.route as { path?: string } | undefined)?.path;
      // Middleware bound to every path (pino's, this one) leaves its wildcard route behind when no
      // controller route matched; Cask's own routes have no wildcards.
      const route = path && !path.includes('*') ? `${req.baseUrl}${path}` : UNMATCHED;
      this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.duration.observe({ method: req.method, route }, (performance.now() - start) / 1000);
    });
    next();
  }
}
