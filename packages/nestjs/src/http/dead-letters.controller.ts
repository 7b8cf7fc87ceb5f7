import type { TraceCarrier } from '@cask/contracts';
import { isUuid } from '@cask/contracts';
import { Body, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/public-route';
import { DeadLetterActions } from '../dead-letters/dead-letter-actions';
import { ApiErrors, BODY_ERRORS, ERROR_EXAMPLES } from '../openapi/api-errors.decorator';
import { ApiQueryFrom } from '../openapi/api-query.decorator';
import {
  DeadLetterDetailResponse,
  DeadLetterPageResponse,
  DiscardedLettersResponse,
  RedrivenLettersResponse,
} from '../openapi/dead-letter.response';
import { DeadLetter, DeadLetterFilter, DeadLetterStore } from '../store/dead-letter-store';
import type { QueuedResponse } from '@cask/contracts';
import { AcceptsJob, queued } from './accepted';
import { CaskController } from './cask-controller.decorator';
import { decodeCursor, encodeCursor } from './cursor';
import { DeadLetterFilterDto, DiscardDeadLettersDto, ListDeadLettersQuery, RedriveDeadLettersDto } from './dead-letters.query';
import { errorBody } from './error-body';
import { RequestId } from './request-id.decorator';
import { TraceContext } from './trace-context.decorator';
import { ValidationFailedException } from './validation-failed.exception';

/** A dead letter as `GET /dead-letters` lists it. */
export interface DeadLetterView {
  id: string;
  reason: string;
  detail: string;
  source_queue: string | null;
  job_id: string | null;
  job_status: string | null;
  type: string | null;
  redrivable: boolean;
  body_bytes: number;
  body_preview: string;
  dead_lettered_at: string;
}

const PREVIEW = 200;

function toView(letter: DeadLetter): DeadLetterView {
  return {
    id: letter.id,
    reason: letter.reason,
    detail: letter.detail,
    source_queue: letter.sourceQueue,
    job_id: letter.jobId,
    job_status: letter.jobStatus,
    type: letter.type,
    redrivable: letter.jobStatus === 'failed' || letter.jobStatus === 'cancelled',
    body_bytes: letter.bodyBytes,
    body_preview: letter.body.slice(0, PREVIEW),
    dead_lettered_at: new Date(letter.deadLetteredAt).toISOString(),
  };
}

function toFilter(dto: DeadLetterFilterDto): DeadLetterFilter {
  return { reason: dto.reason, type: dto.type, sourceQueue: dto.source_queue, jobId: dto.job_id?.toLowerCase() };
}

function checkLetterId(id: string): void {
  if (!isUuid(id)) throw new ValidationFailedException([{ field: 'id', reason: 'must be a UUID' }], 'Invalid dead letter id');
}

const LETTER_ID_PARAM = ApiParam({ name: 'id', format: 'uuid', description: 'A dead letter id' });
const notFound = () => new NotFoundException(errorBody('Dead letter not found'));

/**
 * Messages no process could handle, as the api took them off the broker's dead-letter queue: read them, run
 * their jobs again, or discard them. Letters may hold any tenant's payloads (or no tenant's: garbage), so with
 * API keys only an `admin` key may call these.
 */
@ApiTags('dead-letters')
@CaskController('dead-letters')
@AdminOnly('Dead letters may hold any tenant’s jobs: only an admin API key may see, redrive or discard them')
export class DeadLettersController {
  constructor(
    private readonly letters: DeadLetterStore,
    private readonly actions: DeadLetterActions,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List dead letters, newest first',
    description: 'Narrowed by `reason`, `type`, `source_queue` or `job_id`; pages of `limit`, `next_cursor` for the next one.',
  })
  @ApiQueryFrom(ListDeadLettersQuery)
  @ApiOkResponse({ type: DeadLetterPageResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badCursor })
  async list(
    @Query() query: ListDeadLettersQuery,
  ): Promise<{ items: DeadLetterView[]; next_cursor: string | null; counts: Record<string, number> }> {
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const [letters, counts] = await Promise.all([
      this.letters.list({ ...toFilter(query), beforeId, limit: query.limit + 1 }),
      this.letters.countByReason(),
    ]);
    const page = letters.slice(0, query.limit);
    return {
      items: page.map(toView),
      next_cursor: letters.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
      counts: Object.fromEntries(counts),
    };
  }

  @Post('redrive')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Run the jobs of many dead letters again',
    description:
      'Every letter matching the filter whose job is failed or cancelled: its job runs again (a new series) and its letters go. ' +
      'At most 1,000 letters per call: while `next_cursor` is not null, call again with it.',
  })
  @ApiOkResponse({ type: RedrivenLettersResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badCursor, ...BODY_ERRORS })
  async redriveMany(
    @Body() body: RedriveDeadLettersDto,
    @RequestId() requestId?: string,
    @TraceContext() traceContext?: TraceCarrier,
  ): Promise<{ redriven: number; skipped: number; next_cursor: string | null }> {
    const beforeId = body.cursor === undefined ? undefined : decodeCursor(body.cursor);
    const done = await this.actions.redriveMany(toFilter(body), beforeId, { requestId, trace: traceContext });
    return { redriven: done.redriven, skipped: done.skipped, next_cursor: done.lastId === null ? null : encodeCursor(done.lastId) };
  }

  @Post('discard')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Discard many dead letters', description: 'Every letter matching the filter; `{"all": true}` for all of them.' })
  @ApiOkResponse({ type: DiscardedLettersResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.noDiscardFilter, ...BODY_ERRORS })
  async discardMany(@Body() body: DiscardDeadLettersDto): Promise<{ discarded: number }> {
    const filter = toFilter(body);
    if (body.all !== true && Object.values(filter).every((value) => value === undefined)) {
      throw new ValidationFailedException([{ field: 'all', reason: 'give reason, type, source_queue or job_id, or "all": true' }]);
    }
    return { discarded: await this.actions.discardMany(filter) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a dead letter whole: its body and headers' })
  @LETTER_ID_PARAM
  @ApiOkResponse({ type: DeadLetterDetailResponse })
  @ApiErrors({ 400: ERROR_EXAMPLES.badLetterId, 404: ERROR_EXAMPLES.letterNotFound })
  async get(@Param('id') id: string): Promise<DeadLetterView & { body: string; body_encoding: string; headers: Record<string, unknown> }> {
    checkLetterId(id);
    const letter = await this.letters.get(id.toLowerCase());
    if (!letter) throw notFound();
    return { ...toView(letter), body: letter.body, body_encoding: letter.bodyEncoding, headers: letter.headers };
  }

  @Post(':id/redrive')
  @AcceptsJob()
  @ApiOperation({
    summary: 'Run a dead letter’s job again',
    description:
      'Its job (failed or cancelled) runs again as a new series of attempts, as `POST /jobs/:id/retry` does; the job’s letters go.',
  })
  @LETTER_ID_PARAM
  @ApiErrors({ 400: ERROR_EXAMPLES.badLetterId, 404: ERROR_EXAMPLES.letterNotFound, 409: ERROR_EXAMPLES.notRedrivable })
  async redrive(
    @Param('id') id: string,
    @RequestId() requestId?: string,
    @TraceContext() traceContext?: TraceCarrier,
  ): Promise<QueuedResponse> {
    checkLetterId(id);
    const job = await this.actions.redrive(id.toLowerCase(), { requestId, trace: traceContext });
    if (!job) throw notFound();
    return queued(job.id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Discard a dead letter' })
  @LETTER_ID_PARAM
  @ApiNoContentResponse({ description: 'Discarded' })
  @ApiErrors({ 400: ERROR_EXAMPLES.badLetterId, 404: ERROR_EXAMPLES.letterNotFound })
  async discard(@Param('id') id: string): Promise<void> {
    checkLetterId(id);
    if (!(await this.actions.discard(id.toLowerCase()))) throw notFound();
  }
}
