import { CaskController } from '../http/cask-controller.decorator';
import { Get, GoneException, Headers, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { JobCatalogue } from '@cask/contracts';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { errorBody } from '../http/error-body';
import { JobIdPipe } from '../http/job-id.pipe';
import { ValidationFailedException } from '../http/validation-failed.exception';
import { PlatformResponse, rawResponse } from '../http/raw-response';
import { RetentionStore } from '../store/retention-store';
import { ApiErrors, ERROR_EXAMPLES } from '../openapi/api-errors.decorator';
import { ApiEventStream } from '../openapi/api-event-stream.decorator';
import { ApiQueryFrom } from '../openapi/api-query.decorator';
import { JobResponse } from '../openapi/job.response';
import {
  ALL_JOBS_STREAM_EXAMPLE,
  JOB_STREAM_EXAMPLE,
  ProgressEventResponse,
  ResultEventResponse,
  StatusEventResponse,
} from '../openapi/live-event.response';
import { EventId, parseEventId } from './event-id';
import { LiveEventsQuery } from './live-events.query';
import { LiveStreams } from './live-streams';

/**
 * Server-sent events. Bad input and unknown jobs are answered as JSON errors, like every endpoint,
 * before the response becomes an event stream.
 */
@ApiTags('events')
@CaskController()
export class LiveEventsController {
  constructor(
    private readonly streams: LiveStreams,
    private readonly retention: RetentionStore,
    private readonly catalogue: JobCatalogue,
  ) {}

  /**
   * One job's events: `snapshot`, then `status` (id `<series>.<attempt>.<rank>`) and `progress`, then
   * `result` when the job is terminal, after which the stream ends. Resumes after `Last-Event-ID`;
   * answers 204 when that id is already the job's last event.
   */
  @Get('jobs/:id/events')
  @ApiOperation({ summary: 'Follow one job’s events (server-sent events)' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'A job id' })
  @ApiHeader({ name: 'last-event-id', required: false, description: 'Resume after this `status` event id (`<series>.<attempt>.<rank>`)' })
  @ApiEventStream(
    {
      snapshot: { data: JobResponse, about: 'The job without `history`; always first' },
      status: { data: StatusEventResponse, about: 'One transition, in order; `id` is `<series>.<attempt>.<rank>`' },
      progress: { data: ProgressEventResponse, about: 'Each new value reported' },
      result: { data: ResultEventResponse, about: 'Once the job is finished; then the stream ends' },
    },
    JOB_STREAM_EXAMPLE,
  )
  @ApiNoContentResponse({ description: '`Last-Event-ID` is already the finished job’s last event: nothing more will come' })
  @ApiErrors({ 400: ERROR_EXAMPLES.badJobId, 404: ERROR_EXAMPLES.jobNotFound, 410: ERROR_EXAMPLES.jobPurged })
  async jobEvents(
    @Param('id', JobIdPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() { tenant }: Principal,
    @Res() response: PlatformResponse,
  ): Promise<void> {
    const stream = this.streams.forJob(id, parseLastEventId(lastEventId), tenant);
    const opening = await stream.open();
    if (opening === 'missing') {
      if (await this.retention.isPurged(id, tenant)) throw new GoneException(errorBody('Job was purged after its retention period'));
      throw new NotFoundException(errorBody('Job not found'));
    }
    const raw = rawResponse(response);
    if (opening === 'caught-up') {
      raw.statusCode = 204;
      raw.end();
      return;
    }
    this.streams.serve(raw, stream);
  }

  /** Every job's `status` and `progress` events as they happen, optionally for some types only; no replay. */
  @Get('events')
  @ApiOperation({
    summary: 'Follow every job’s status and progress (server-sent events)',
    description: 'As this api instance applies them; no snapshot, no ids, no replay.',
  })
  @ApiQueryFrom(LiveEventsQuery)
  @ApiEventStream(
    {
      status: { data: StatusEventResponse, about: 'One status change of a job; `attempt` is null for a cancel' },
      progress: { data: ProgressEventResponse, about: 'Each new value reported' },
    },
    ALL_JOBS_STREAM_EXAMPLE,
  )
  @ApiErrors({ 400: ERROR_EXAMPLES.unknownEventType })
  allEvents(@Query() query: LiveEventsQuery, @CurrentPrincipal() { tenant }: Principal, @Res() response: PlatformResponse): void {
    const types = this.parseTypes(query.type);
    this.streams.serve(rawResponse(response), this.streams.forAllJobs(tenant, types));
  }

  private parseTypes(value: string | undefined): ReadonlySet<string> | undefined {
    if (value === undefined) return undefined;
    const types = value
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type.length > 0);
    const known = this.catalogue.names();
    const unknown = types.filter((type) => !known.includes(type));
    if (types.length === 0 || unknown.length > 0) {
      throw new ValidationFailedException(
        [{ field: 'type', reason: `must be one or more (comma-separated) of: ${known.join(', ')}` }],
        unknown.length > 0 ? `Unknown job type "${unknown[0]}"` : 'Invalid job type',
      );
    }
    return new Set(types);
  }
}

function parseLastEventId(value: string | undefined): EventId | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const id = parseEventId(value);
  if (!id) {
    throw new ValidationFailedException(
      [{ field: 'Last-Event-ID', reason: 'must be the id of an event of this stream, <series>.<attempt>.<rank> like 1.2.2' }],
      'Invalid Last-Event-ID',
    );
  }
  return id;
}
