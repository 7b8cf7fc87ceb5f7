import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ApiConfig } from '../config/api-config';
import { OutboxRelay } from '../outbox/outbox-relay';
import { JobStore } from '../store/job-store';

/** The api's own readiness checks, as terminus indicators: the job store and the outbox backlog. */
@Injectable()
export class ApiHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly jobs: JobStore,
    private readonly relay: OutboxRelay,
    private readonly config: ApiConfig,
  ) {}

  /** `store`: up while the job store answers. */
  async store(): Promise<HealthIndicatorResult<'store'>> {
    const check = this.indicators.check('store');
    try {
      await this.jobs.ping();
      return check.up();
    } catch {
      return check.down({ message: 'The job store does not answer' });
    }
  }

  /**
   * `outbox`: up while it holds fewer messages than `OUTBOX_MAX_BACKLOG`. Delayed jobs waiting for their
   * time are not a backlog; fresh dispatches waiting for their confirm are.
   */
  async outbox(): Promise<HealthIndicatorResult<'outbox'>> {
    const check = this.indicators.check('outbox');
    const max = this.config.outboxMaxBacklog;
    let backlog: number;
    try {
      backlog = await this.jobs.outboxBacklog(Date.now() + this.relay.inlineLeaseMs);
    } catch {
      return check.down({ message: 'The job store does not answer', max });
    }
    return backlog < max ? check.up({ backlog, max }) : check.down({ backlog, max });
  }
}
