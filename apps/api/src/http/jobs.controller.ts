import { JobCatalogue, JobView, QueuedResponse, backoffFromWire } from '@cask/contracts';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { JobCanceller } from '../dispatcher/job-canceller';
import { JobRedriver } from '../dispatcher/job-redriver';
import { JobStore } from '../store/job-store';
import { TransitionView, toJobView, toTransitionView } from '../store/job-view.mapper';
import { AcceptsJob, queued } from './accepted';
import { CreateJobDto, RetryJobsDto } from './create-job.dto';
import { decodeCursor, encodeCursor } from './cursor';
import { errorBody } from './error-body';
import { JobIdPipe } from './job-id.pipe';
import { ListJobsQuery } from './list-jobs.query';
import { ValidationFailedException } from './validation-failed.exception';

/** A page of jobs, newest first. */
export interface JobPage {
  items: JobView[];
  next_cursor: string | null;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@Controller('jobs')
export class JobsController {
  constructor(
    private readonly dispatcher: AsyncDispatcher,
    private readonly redriver: JobRedriver,
    private readonly canceller: JobCanceller,
    private readonly catalogue: JobCatalogue,
    private readonly store: JobStore,
  ) {}

  @Post()
  @AcceptsJob()
  async create(@Body() body: CreateJobDto, @Headers('idempotency-key') idempotencyKey?: string): Promise<QueuedResponse> {
    const job = this.catalogue.get(body.type);
    if (!job) {
      throw new ValidationFailedException(
        [{ field: 'type', reason: `must be one of: ${this.catalogue.names().join(', ')}` }],
        `Unknown job type "${body.type}"`,
      );
    }
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedException([{ field: 'Idempotency-Key', reason: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const jobId = await this.dispatcher.dispatch(job, body.payload, {
      priority: body.priority,
      maxAttempts: body.max_attempts,
      backoff: body.backoff && backoffFromWire(body.backoff),
      timeoutMs: body.timeout_ms,
      idempotencyKey,
    });
    return queued(jobId);
  }

  /** Redrives failed (or cancelled) jobs in bulk and says how many. */
  @Post('retry')
  @HttpCode(HttpStatus.OK)
  async retryMany(@Body() body: RetryJobsDto): Promise<{ retried: number }> {
    if (!body.type && !body.status) {
      throw new ValidationFailedException([{ field: 'type', reason: 'give a type, a status (failed or cancelled), or both' }]);
    }
    return { retried: await this.redriver.retryMany(body) };
  }

  /** Also the seed design's `GET /jobs/:jobID` status lookup. */
  @Get(':id')
  async get(@Param('id', JobIdPipe) id: string): Promise<JobView & { history: TransitionView[] }> {
    const view = await this.dispatcher.getResult(id);
    if (!view) throw new NotFoundException(errorBody('Job not found'));
    const history = await this.store.history(id);
    return { ...view, history: history.map(toTransitionView) };
  }

  /**
   * Cancels a job that has not finished: a queued or scheduled one never runs, a running one has its
   * AbortSignal fired in whichever worker runs it.
   */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  async cancel(@Param('id', JobIdPipe) id: string): Promise<JobView> {
    const before = await this.canceller.cancel(id);
    if (!before) throw new NotFoundException(errorBody('Job not found'));
    return (await this.dispatcher.getResult(id)) as JobView;
  }

  /** Runs a failed or cancelled job again as a new series of attempts under the same id. */
  @Post(':id/retry')
  @AcceptsJob()
  async retry(@Param('id', JobIdPipe) id: string): Promise<QueuedResponse> {
    const job = await this.redriver.retry(id);
    if (!job) throw new NotFoundException(errorBody('Job not found'));
    return queued(job.id);
  }

  @Get()
  async list(@Query() query: ListJobsQuery): Promise<JobPage> {
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const records = await this.store.list({ status: query.status, type: query.type, limit: query.limit + 1, beforeId });
    const page = records.slice(0, query.limit);
    const hasMore = records.length > query.limit;
    return { items: page.map((record) => toJobView(record)), next_cursor: hasMore ? encodeCursor(page[page.length - 1].id) : null };
  }
}
