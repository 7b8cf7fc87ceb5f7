import { JobCatalogue, JobView, QueuedResponse } from '@cask/contracts';
import { Body, Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { JobStore } from '../store/job-store';
import { toJobView } from '../store/job-view.mapper';
import { AcceptsJob, queued } from './accepted';
import { CreateJobDto } from './create-job.dto';
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

@Controller('jobs')
export class JobsController {
  constructor(
    private readonly dispatcher: AsyncDispatcher,
    private readonly catalogue: JobCatalogue,
    private readonly store: JobStore,
  ) {}

  @Post()
  @AcceptsJob()
  async create(@Body() body: CreateJobDto): Promise<QueuedResponse> {
    const job = this.catalogue.get(body.type);
    if (!job) {
      throw new ValidationFailedException(
        [{ field: 'type', reason: `must be one of: ${this.catalogue.names().join(', ')}` }],
        `Unknown job type "${body.type}"`,
      );
    }
    return queued(await this.dispatcher.dispatch(job, body.payload, { priority: body.priority }));
  }

  /** Also the seed design's `GET /jobs/:jobID` status lookup. */
  @Get(':id')
  async get(@Param('id', JobIdPipe) id: string): Promise<JobView> {
    const view = await this.dispatcher.getResult(id);
    if (!view) throw new NotFoundException(errorBody('Job not found'));
    return view;
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
