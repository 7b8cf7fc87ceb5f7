import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';

/** `GET /metrics` in Prometheus's text format, from the app's own {@link Registry}. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics of this process',
    description: 'Counters, histograms and gauges; README "Metrics" lists each. No API key: keep the port private.',
  })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    schema: { type: 'string', example: 'cask_jobs_dispatched_total{type="email.welcome",queue="default"} 42\n' },
  })
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
