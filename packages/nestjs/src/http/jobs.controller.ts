import type { TraceCarrier } from '@cask/contracts';
import { CaskController } from './cask-controller.decorator';
import { FieldError, JobCatalogue, JobDefinition, JobView, QueuedResponse, validatePayload } from '@cask/contracts';
import {
  Body,
  Get,
  GoneException,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Optional,
  Query,
  Res,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AsyncDispatcher, BatchCallback, BatchItem, DispatchOptions } from '../dispatcher/async-dispatcher';
import { markChecked } from '../dispatcher/checked-payloads';
import { DispatchQuota } from '../limits/dispatch-quota';
import { JobCanceller } from '../dispatcher/job-canceller';
import { JobRedriver } from '../dispatcher/job-redriver';
import { ApiErrors, BODY_ERRORS, ERROR_EXAMPLES } from '../openapi/api-errors.decorator';
import { ApiQueryFrom } from '../openapi/api-query.decorator';
import { JobPageResponse, JobResponse, JobWithHistoryResponse, QueuedBatchResponse, RetriedJobsResponse } from '../openapi/job.response';
import type { JobRecord } from '../store/job-record';
import { JobStore } from '../store/job-store';
import { RetentionStore } from '../store/retention-store';
import { TransitionView, toJobView, toTransitionView } from '../store/job-view.mapper';
import { AcceptedJob, AcceptsJob, queued, setJobLocation } from './accepted';
import { CaskRoutes } from './cask-routes';
import { BatchCallbackDto, CreateJobBatchDto, CreateJobDto, JobRequestDto, RetryJobsDto } from './create-job.dto';
import { decodeCursor, encodeCursor } from './cursor';
import { errorBody } from './error-body';
import { JobIdPipe } from './job-id.pipe';
import { resolveJobRequest } from './job-request';
import { RequestId } from './request-id.decorator';
import { TraceContext } from './trace-context.decorator';
import type { JobPage } from './job-page';
import { ListJobsQuery } from './list-jobs.query';
import { ValidationFailedException } from './validation-failed.exception';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const JOB_ID_PARAM = ApiParam({ name: 'id', format: 'uuid', description: 'A job id' });

@ApiTags('jobs')
@CaskController('jobs')
export class JobsController {
  constructor(
    private readonly dispatcher: AsyncDispatcher,
    private readonly redriver: JobRedriver,
    private readonly canceller: JobCanceller,
    private readonly catalogue: JobCatalogue,
    private readonly store: JobStore,
    private readonly retention: RetentionStore,
    private readonly quota: DispatchQuota,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly routes?: CaskRoutes,
  ) {}

  // Location is set here rather than by @AcceptsJob's interceptor: an interceptor puts every request of the
  // busiest route through rxjs and two async resources.
  @Post()
  @AcceptedJob()
  @ApiOperation({
    summary: 'Dispatch a job',
    description: 'Stores the job and publishes it to its queue; `payload` is checked against the job type’s rules first.',
  })
  @ApiHeader({
    name: 'idempotency-key',
    required: false,
    description:
      'Repeating a request with the same key and body answers the first job id and creates nothing (24 h); with another body, 409',
  })
  @ApiErrors({
    400: ERROR_EXAMPLES.badPayload,
    409: ERROR_EXAMPLES.idempotencyConflict,
    ...BODY_ERRORS,
    503: ERROR_EXAMPLES.brokerUnavailable,
  })
  async create(
    @Body() body: CreateJobDto,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId: string | undefined,
    @TraceContext() traceContext: TraceCarrier | undefined,
    @Res({ passthrough: true }) response: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<QueuedResponse> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedException([{ field: 'Idempotency-Key', reason: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const { job, options } = this.toDispatch(body, '');
    await this.quota.admit(tenant, 1);
    // The body as sent identifies the request: a repeated `delay_ms` is the same request later.
    const outcome = await this.dispatcher.dispatchJob(job, body.payload, {
      ...options,
      tenant,
      idempotencyKey,
      fingerprint: idempotencyKey ? body : undefined,
      requestId,
      traceContext,
    });
    setJobLocation(this.adapterHost, this.routes, response, outcome.jobId);
    const answer = queued(outcome.jobId, outcome.status);
    return outcome.unique ? { ...answer, unique: outcome.outcome } : answer;
  }

  /** Up to 1,000 jobs at once: every item is checked before any is stored; the ids come back in order. */
  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Dispatch up to 1,000 jobs at once',
    description: 'All are stored or none: one bad item answers 400 naming every bad field as `jobs[<i>].<field>`.',
  })
  @ApiAcceptedResponse({ type: QueuedBatchResponse, description: 'Every job stored and queued; ids in the order sent' })
  @ApiErrors({ 400: ERROR_EXAMPLES.badBatchItem, ...BODY_ERRORS, 503: ERROR_EXAMPLES.brokerUnavailable })
  async createBatch(
    @Body() body: CreateJobBatchDto,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId?: string,
    @TraceContext() traceContext?: TraceCarrier,
  ): Promise<{ status: 'queued'; job_ids: string[]; flow_id?: string; callback_id?: string }> {
    const errors: FieldError[] = [];
    const items: BatchItem[] = [];
    body.jobs.forEach((item, index) => {
      try {
        const { job, options } = this.toDispatch(item, `jobs[${index}].`);
        // Payload errors are named alongside type errors, so one answer lists every bad item.
        const validation = validatePayload(job, item.payload);
        if (!validation.ok) {
          errors.push(
            ...validation.errors.map(({ field, reason }) => ({ field: `jobs[${index}].payload${field ? `.${field}` : ''}`, reason })),
          );
          return;
        }
        // Checked once: the dispatcher takes the checked value as it is.
        markChecked(validation.value, job, item.payload);
        items.push({ job, payload: validation.value, options: { ...options, tenant, requestId, traceContext } });
      } catch (err) {
        if (!(err instanceof ValidationFailedException)) throw err;
        errors.push(...((err.getResponse() as { details?: FieldError[] }).details ?? []));
      }
    });
    const callback = body.callback && this.toCallback(body, errors);
    if (errors.length > 0) throw new ValidationFailedException(errors, 'Invalid jobs in batch; nothing was stored');
    await this.quota.admit(tenant, items.length + (callback ? 1 : 0));
    if (!callback) return { status: 'queued', job_ids: await this.dispatcher.dispatchMany(items) };
    const batch = await this.dispatcher.dispatchBatch(items, callback, { tenant, requestId, traceContext });
    return { status: 'queued', job_ids: batch.jobIds, flow_id: batch.flowId, callback_id: batch.callbackId };
  }

  /**
   * A batch's callback, from the body; its errors, and those of batch items a callback cannot wait for (delayed
   * or deduplicated), go into `errors`.
   */
  private toCallback(body: CreateJobBatchDto, errors: FieldError[]): BatchCallback | undefined {
    body.jobs.forEach((item, index) => {
      for (const field of ['unique', 'delay_ms', 'run_at'] as const) {
        if (item[field] !== undefined)
          errors.push({ field: `jobs[${index}].${field}`, reason: 'is not allowed in a batch with a callback' });
      }
    });
    const given = body.callback as BatchCallbackDto;
    try {
      const { job, options } = this.toDispatch(given, 'callback.');
      const validation = validatePayload(job, given.payload);
      if (!validation.ok) {
        errors.push(...validation.errors.map(({ field, reason }) => ({ field: `callback.payload${field ? `.${field}` : ''}`, reason })));
        return undefined;
      }
      return { job, payload: validation.value, options };
    } catch (err) {
      if (!(err instanceof ValidationFailedException)) throw err;
      errors.push(...((err.getResponse() as { details?: FieldError[] }).details ?? []));
      return undefined;
    }
  }

  /** Resolves a body's job type and options; field names in errors start with `prefix`. */
  private toDispatch(body: JobRequestDto & Partial<CreateJobDto>, prefix: string): { job: JobDefinition; options: DispatchOptions } {
    return resolveJobRequest(this.catalogue, body, prefix);
  }

  /** Redrives failed (or cancelled) jobs in bulk and says how many. */
  @Post('retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Retry failed or cancelled jobs in bulk',
    description: 'Filter by `type`, `status` or both; at most 1,000 jobs per call, so repeat until `retried` is 0.',
  })
  @ApiOkResponse({ type: RetriedJobsResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.noRetryFilter, ...BODY_ERRORS })
  async retryMany(
    @Body() body: RetryJobsDto,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId?: string,
    @TraceContext() traceContext?: TraceCarrier,
  ): Promise<{ retried: number }> {
    if (!body.type && !body.status) {
      throw new ValidationFailedException([{ field: 'type', reason: 'give a type, a status (failed or cancelled), or both' }]);
    }
    return { retried: await this.redriver.retryMany({ ...body, tenant }, { requestId, trace: traceContext }) };
  }

  /** Also the seed design's `GET /jobs/:jobID` status lookup. */
  @Get(':id')
  @ApiOperation({ summary: 'Get a job, with its history' })
  @JOB_ID_PARAM
  @ApiOkResponse({ type: JobWithHistoryResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badJobId, 404: ERROR_EXAMPLES.jobNotFound, 410: ERROR_EXAMPLES.jobPurged })
  async get(
    @Param('id', JobIdPipe) id: string,
    @CurrentPrincipal() { tenant }: Principal,
  ): Promise<JobView & { payload: object; history: TransitionView[] }> {
    const record = await this.store.get(id);
    if (!record || record.tenant !== tenant) throw await this.missing(id, tenant);
    const history = await this.store.history(id);
    // The payload only here, not in lists: a page of jobs stays small whatever the payloads weigh.
    return { ...toJobView(record), payload: record.payload, history: history.map(toTransitionView) };
  }

  /**
   * Cancels a job that has not finished: a queued or scheduled one never runs, a running one has its
   * AbortSignal fired in whichever worker runs it.
   */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a job that has not finished',
    description: 'A queued or scheduled job never runs; a running one has its AbortSignal fired.',
  })
  @JOB_ID_PARAM
  @ApiOkResponse({ type: JobResponse, description: 'The job, now `cancelled`' })
  @ApiErrors({
    400: ERROR_EXAMPLES.badJobId,
    404: ERROR_EXAMPLES.jobNotFound,
    409: ERROR_EXAMPLES.notCancellable,
    410: ERROR_EXAMPLES.jobPurged,
  })
  async cancel(@Param('id', JobIdPipe) id: string, @CurrentPrincipal() { tenant }: Principal): Promise<JobView> {
    const before = await this.canceller.cancel(id, tenant);
    if (!before) throw await this.missing(id, tenant);
    return toJobView((await this.store.get(id)) as JobRecord);
  }

  /** Runs a failed or cancelled job again as a new series of attempts under the same id. */
  @Post(':id/retry')
  @AcceptsJob()
  @ApiOperation({ summary: 'Run a failed or cancelled job again', description: 'A new series of attempts under the same id.' })
  @JOB_ID_PARAM
  @ApiErrors({
    400: ERROR_EXAMPLES.badJobId,
    404: ERROR_EXAMPLES.jobNotFound,
    409: ERROR_EXAMPLES.notRetryable,
    410: ERROR_EXAMPLES.jobPurged,
  })
  async retry(
    @Param('id', JobIdPipe) id: string,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId?: string,
    @TraceContext() traceContext?: TraceCarrier,
  ): Promise<QueuedResponse> {
    const job = await this.redriver.retry(id, tenant, { requestId, trace: traceContext });
    if (!job) throw await this.missing(id, tenant);
    return queued(job.id);
  }

  /** 410 for a job of the tenant purged after its retention, 404 for one never seen or another tenant's. */
  private async missing(id: string, tenant: string): Promise<HttpException> {
    if (await this.retention.isPurged(id, tenant)) return new GoneException(errorBody('Job was purged after its retention period'));
    return new NotFoundException(errorBody('Job not found'));
  }

  @Get()
  @ApiOperation({ summary: 'List jobs, newest first', description: 'Pages of `limit`; pass `next_cursor` as `cursor` for the next one.' })
  @ApiQueryFrom(ListJobsQuery)
  @ApiOkResponse({ type: JobPageResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badCursor })
  async list(@Query() query: ListJobsQuery, @CurrentPrincipal() { tenant }: Principal): Promise<JobPage> {
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const records = await this.store.list({
      tenant,
      status: query.status,
      type: query.type,
      queue: query.queue,
      payloadContains: query.q,
      group: query.group,
      flowId: query.flow_id?.toLowerCase(),
      limit: query.limit + 1,
      beforeId,
    });
    const page = records.slice(0, query.limit);
    const hasMore = records.length > query.limit;
    return { items: page.map((record) => toJobView(record)), next_cursor: hasMore ? encodeCursor(page[page.length - 1].id) : null };
  }
}
