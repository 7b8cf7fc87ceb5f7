import { CaskController } from './cask-controller.decorator';
import { JOB_STATUSES, JobStatus } from '@cask/contracts';
import { Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JobStatsResponse } from '../openapi/stats.response';
import { ActivityResponse } from '../openapi/activity.response';
import { ActivityView, toActivityView } from '../activity/activity-view.mapper';
import { JobActivity } from '../activity/job-activity';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { StatsStore } from '../store/stats-store';

type StatusCounts = Record<JobStatus, number>;

/** `GET /stats`: the caller's jobs counted by status, in all and per type. */
export interface JobStats {
  total: number;
  by_status: StatusCounts;
  /** Only types the tenant has jobs of. */
  by_type: Record<string, StatusCounts>;
}

function complete(counts: Partial<StatusCounts>): StatusCounts {
  return Object.fromEntries(JOB_STATUSES.map((status) => [status, counts[status] ?? 0])) as StatusCounts;
}

@ApiTags('jobs')
@CaskController('stats')
export class StatsController {
  constructor(
    private readonly store: StatsStore,
    private readonly activity: JobActivity,
  ) {}

  /** Counts of the caller's tenant only; every status is present, 0 when it has none. */
  @Get()
  @ApiOperation({
    summary: 'Count the caller’s jobs by status, in all and per type',
    description: 'Only the tenant of the API key; every status is present, 0 when none.',
  })
  @ApiOkResponse({ type: JobStatsResponse })
  async stats(@CurrentPrincipal() { tenant }: Principal): Promise<JobStats> {
    const counts = await this.store.counts(tenant);
    const byStatus = complete(counts.byStatus);
    return {
      total: Object.values(byStatus).reduce((sum, count) => sum + count, 0),
      by_status: byStatus,
      by_type: Object.fromEntries(Object.entries(counts.byType).map(([type, statuses]) => [type, complete(statuses)])),
    };
  }

  /** The caller's last hour: finishes per minute, how long jobs ran, and how long the oldest queued job waits. */
  @Get('activity')
  @ApiOperation({
    summary: 'The caller’s last hour: finishes per minute, p50/p95 duration, oldest queued job',
    description:
      'Only the tenant of the API key. `minutes`: jobs that finished `succeeded` or `failed` in each of the last 60 minutes. ' +
      '`duration_ms`: percentiles of `finished_at - started_at` of the latest jobs finished in that hour. `oldest_queued`: the `queued` job that has waited longest.',
  })
  @ApiOkResponse({ type: ActivityResponse })
  async lastHour(@CurrentPrincipal() { tenant }: Principal): Promise<ActivityView> {
    const now = Date.now();
    return toActivityView(await this.activity.read(tenant, now), now);
  }
}
