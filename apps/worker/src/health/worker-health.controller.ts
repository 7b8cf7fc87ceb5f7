import { CaskWorkerHealthIndicator } from '@cask/worker';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';

/** Liveness (the process answers) and readiness (it takes jobs now), on the worker's own port. */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cask: CaskWorkerHealthIndicator,
  ) {}

  /**
   * Always 200 while the process answers, also while it waits for the broker at start. Not a terminus
   * check: terminus answers 503 to every check once shutdown begins, and a worker finishing its jobs is alive.
   */
  @Get('live')
  @HealthCheck()
  live(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  /** 200 while connected, with the consumer of every job, suspect and rescue queue it serves attached, and not shutting down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.cask.broker(), () => this.cask.consumers(), () => this.cask.acceptingJobs()]);
  }
}
