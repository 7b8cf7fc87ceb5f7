import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

/** The route label of a request no route matched: never the raw path, which would make a label per URL. */
const UNMATCHED = 'unmatched';

/** Counts and times every HTTP request by method, route pattern (`/jobs/:id`, not the id) and status. */
export class HttpMetrics {
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

  /** Counts `request` when its response ends, matched or not, so that 404s and refused bodies count too. */
  observe(request: FastifyRequest, response: ServerResponse): void {
    const start = performance.now();
    // 'close' rather than 'finish': a live event stream ends when its client goes, without finishing.
    response.once('close', () => {
      // Fastify's route pattern; none when no route matched (its not-found handler answered).
      const route = request.is404 ? UNMATCHED : (request.routeOptions.url ?? UNMATCHED);
      this.requests.inc({ method: request.method, route, status: String(response.statusCode) });
      this.duration.observe({ method: request.method, route }, (performance.now() - start) / 1000);
    });
  }
}
