import { CaskHealthIndicator } from '@cask/nestjs';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { HealthResponse } from './health.response';

/** Liveness (the process answers) and readiness (it can do its work now), for orchestrators. Never behind auth. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cask: CaskHealthIndicator,
  ) {}

  /**
   * Always 200 while the process answers. Not a terminus check: terminus answers 503 to every check once
   * shutdown begins, and a process finishing its work is still alive.
   */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthResponse })
  @HealthCheck({ swaggerDocumentation: false })
  live(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  /**
   * 200 while connected to the broker with the event and heartbeat consumers attached, the store answering
   * and the outbox under its bound; 503 otherwise, and from the start of shutdown.
   */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: broker connected, consumers attached, store reachable, outbox under its bound' })
  @ApiOkResponse({ type: HealthResponse, description: 'Ready' })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'Not ready: `error` names each check that is down' })
  @HealthCheck({ swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.cask.broker(), () => this.cask.consumers(), () => this.cask.store(), () => this.cask.outbox()]);
  }
}
