import type { TraceCarrier } from '@cask/contracts';
import { CaskController } from '../http/cask-controller.decorator';
import {
  FieldError,
  JobCatalogue,
  QueuedResponse,
  backoffFromWire,
  checkCron,
  checkScheduleJobOptions,
  validatePayload,
} from '@cask/contracts';
import { Body, ConflictException, Delete, Get, HttpCode, HttpStatus, NotFoundException, Optional, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { HttpAdapterHost } from '@nestjs/core';
import { AsyncDispatcher } from '../dispatcher/async-dispatcher';
import { AcceptedJob, queued, setJobLocation } from '../http/accepted';
import { CaskRoutes } from '../http/cask-routes';
import { RequestId } from '../http/request-id.decorator';
import { TraceContext } from '../http/trace-context.decorator';
import { DispatchQuota } from '../limits/dispatch-quota';
import { errorBody } from '../http/error-body';
import { ValidationFailedException } from '../http/validation-failed.exception';
import { ApiErrors, BODY_ERRORS, ERROR_EXAMPLES } from '../openapi/api-errors.decorator';
import { ScheduleDetailResponse, ScheduleListResponse } from '../openapi/schedule.response';
import { CronExpression } from './cron-expression';
import { dispatchOptionsOf } from './schedule-options';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ScheduleInput, ScheduleNameTakenError, ScheduleOptionsWire, ScheduleRecord } from './schedule-record';
import { ScheduleNamePipe } from './schedule-name.pipe';
import { ScheduleStore } from './schedule-store';
import { ScheduleDetailView, ScheduleView, toScheduleDetailView, toScheduleView } from './schedule-view.mapper';
import { Scheduler } from './scheduler';
import { UpsertScheduleDto } from './upsert-schedule.dto';

const NAME_PARAM = ApiParam({ name: 'name', description: 'A schedule name: lower-case dotted words', example: 'reports.nightly' });
const NAME_ERRORS = { 400: ERROR_EXAMPLES.badScheduleName, 404: ERROR_EXAMPLES.scheduleNotFound };

/** Cron schedules: each tick dispatches one job of the schedule's type, shown with the schedule's name. */
@ApiTags('schedules')
@CaskController('schedules')
export class SchedulesController {
  constructor(
    private readonly store: ScheduleStore,
    private readonly catalogue: JobCatalogue,
    private readonly scheduler: Scheduler,
    private readonly dispatcher: AsyncDispatcher,
    private readonly quota: DispatchQuota,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly routes?: CaskRoutes,
  ) {}

  /** Creates the schedule (201) or replaces the one with that name (200); nothing is stored if any field is bad. */
  @Post()
  @ApiOperation({
    summary: 'Create or replace a schedule',
    description: 'Nothing is stored if any field is bad: the cron with its time zone, the job type and its payload are all checked.',
  })
  @ApiCreatedResponse({
    type: ScheduleDetailResponse,
    description: 'Created',
    headers: { Location: { description: '`/schedules/<name>`', schema: { type: 'string' } } },
  })
  @ApiOkResponse({ type: ScheduleDetailResponse, description: 'Replaced the schedule of that name' })
  @ApiErrors({ 400: ERROR_EXAMPLES.badCron, 409: ERROR_EXAMPLES.codeSchedule, ...BODY_ERRORS })
  async upsert(
    @Body() body: UpsertScheduleDto,
    @CurrentPrincipal() { tenant }: Principal,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ScheduleDetailView> {
    const input = { ...this.validated(body), tenant };
    await this.refuseCodeSchedule(input.name, 'changed');
    const now = Date.now();
    const { created, schedule } = await this.store
      .upsert(input, new CronExpression(input.cron, input.timezone).nextAfter(now), now)
      .catch((err: unknown) => {
        throw err instanceof ScheduleNameTakenError ? new ConflictException(errorBody(err.message)) : err;
      });
    // Through the platform's adapter: Express's response and Fastify's reply differ.
    const http = this.adapterHost.httpAdapter;
    http.status(response, created ? HttpStatus.CREATED : HttpStatus.OK);
    if (created) http.setHeader(response, 'Location', `${this.routes?.schedules ?? '/schedules'}/${schedule.name}`);
    this.scheduler.wake();
    return toScheduleDetailView(schedule);
  }

  @Get()
  @ApiOperation({ summary: 'List schedules, by name' })
  @ApiOkResponse({ type: ScheduleListResponse })
  async list(@CurrentPrincipal() { tenant }: Principal): Promise<{ items: ScheduleView[] }> {
    return { items: (await this.store.list(tenant)).map(toScheduleView) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'Get a schedule, with its next five runs' })
  @NAME_PARAM
  @ApiOkResponse({ type: ScheduleDetailResponse })
  @ApiErrors(NAME_ERRORS)
  async get(@Param('name', ScheduleNamePipe) name: string, @CurrentPrincipal() { tenant }: Principal): Promise<ScheduleDetailView> {
    return toScheduleDetailView(await this.owned(name, tenant));
  }

  /** Stops the schedule; a tick being dispatched by another instance at that moment still completes. */
  @Delete(':name')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a schedule' })
  @NAME_PARAM
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ ...NAME_ERRORS, 409: ERROR_EXAMPLES.codeSchedule })
  async delete(@Param('name', ScheduleNamePipe) name: string, @CurrentPrincipal() { tenant }: Principal): Promise<void> {
    await this.owned(name, tenant);
    await this.refuseCodeSchedule(name, 'deleted');
    if (!(await this.store.delete(name))) throw new NotFoundException(errorBody('Schedule not found'));
  }

  /** No more ticks until resumed. */
  @Post(':name/pause')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Pause a schedule', description: 'No more ticks until resumed.' })
  @NAME_PARAM
  @ApiOkResponse({ type: ScheduleDetailResponse })
  @ApiErrors(NAME_ERRORS)
  async pause(@Param('name', ScheduleNamePipe) name: string, @CurrentPrincipal() { tenant }: Principal): Promise<ScheduleDetailView> {
    await this.owned(name, tenant);
    return toScheduleDetailView(this.found(await this.store.pause(name, Date.now())));
  }

  /** Fires again from the next tick after now; ticks that fell while paused are not made up. */
  @Post(':name/resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Resume a paused schedule',
    description: 'Fires again from the next tick after now; ticks that fell while paused are not made up.',
  })
  @NAME_PARAM
  @ApiOkResponse({ type: ScheduleDetailResponse })
  @ApiErrors(NAME_ERRORS)
  async resume(@Param('name', ScheduleNamePipe) name: string, @CurrentPrincipal() { tenant }: Principal): Promise<ScheduleDetailView> {
    const existing = await this.owned(name, tenant);
    const now = Date.now();
    const schedule = this.found(await this.store.resume(name, new CronExpression(existing.cron, existing.timezone).nextAfter(now), now));
    this.scheduler.wake();
    return toScheduleDetailView(schedule);
  }

  /**
   * Dispatches the schedule's job now, as a tick would (its type, payload, options and name, and its type's unique
   * key), paused or not; the schedule's own ticks go on as before.
   */
  @Post(':name/run')
  @AcceptedJob()
  @ApiOperation({
    summary: 'Run a schedule now',
    description: 'Dispatches one job as a tick would, paused or not; the next tick stays when it was.',
  })
  @NAME_PARAM
  @ApiErrors({ ...NAME_ERRORS, 503: ERROR_EXAMPLES.brokerUnavailable })
  async run(
    @Param('name', ScheduleNamePipe) name: string,
    @CurrentPrincipal() { tenant }: Principal,
    @RequestId() requestId: string | undefined,
    @TraceContext() traceContext: TraceCarrier | undefined,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<QueuedResponse> {
    const schedule = await this.owned(name, tenant);
    const job = this.catalogue.get(schedule.type);
    if (!job) throw new ConflictException(errorBody(`Schedule "${name}" dispatches ${schedule.type}, a job type this api does not define`));
    await this.quota.admit(tenant, 1);
    const outcome = await this.dispatcher.dispatchJob(job, schedule.payload, {
      ...dispatchOptionsOf(schedule.options),
      schedule: schedule.name,
      tenant,
      requestId,
      traceContext,
    });
    setJobLocation(this.adapterHost, this.routes, response, outcome.jobId);
    return queued(outcome.jobId, outcome.status);
  }

  /** Checks what the DTO cannot (the cron with its time zone, the job type, the payload) all at once. */
  private validated(body: UpsertScheduleDto): ScheduleInput {
    const options: ScheduleOptionsWire = {};
    if (body.priority !== undefined) options.priority = body.priority;
    if (body.max_attempts !== undefined) options.max_attempts = body.max_attempts;
    if (body.backoff !== undefined) options.backoff = { ...body.backoff };
    if (body.timeout_ms !== undefined) options.timeout_ms = body.timeout_ms;
    const errors: FieldError[] = [
      ...checkCron(body.cron, body.timezone),
      ...checkScheduleJobOptions({ backoff: options.backoff && backoffFromWire(options.backoff) }),
    ];
    const job = this.catalogue.get(body.type);
    let payload: object = body.payload;
    if (!job) {
      errors.push({ field: 'type', reason: `must be one of: ${this.catalogue.names().join(', ')}` });
    } else {
      const validation = validatePayload(job, body.payload);
      if (validation.ok) payload = validation.value;
      else errors.push(...validation.errors.map(({ field, reason }) => ({ field: field ? `payload.${field}` : 'payload', reason })));
    }
    if (errors.length > 0) throw new ValidationFailedException(errors, job ? 'Invalid schedule' : `Unknown job type "${body.type}"`);
    return { name: body.name, cron: body.cron.trim(), timezone: body.timezone, type: body.type, payload, options, source: 'api' };
  }

  /** Code-declared schedules are changed in code: an HTTP change would be undone at the next start. */
  private async refuseCodeSchedule(name: string, change: 'changed' | 'deleted'): Promise<void> {
    const existing = await this.store.get(name);
    if (existing?.source === 'code') {
      throw new ConflictException(errorBody(`Schedule "${name}" is declared in code; it can only be ${change} there`));
    }
  }

  /** The tenant's schedule of that name; another tenant's answers 404 like a missing one. */
  private async owned(name: string, tenant: string): Promise<ScheduleRecord> {
    const schedule = await this.store.get(name);
    return this.found(schedule?.tenant === tenant ? schedule : undefined);
  }

  private found(schedule: ScheduleRecord | undefined): ScheduleRecord {
    if (!schedule) throw new NotFoundException(errorBody('Schedule not found'));
    return schedule;
  }
}
