import { HttpCode, HttpStatus, NotFoundException, Param, Post, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/public-route';
import { QueueListResponse, QueueStateResponse } from '../openapi/queue.response';
import { QueueControls, QueueView, UnknownQueueError } from '../queues/queue-controls';
import type { QueueState } from '../store/queue-state-store';
import { CaskController } from './cask-controller.decorator';
import { errorBody } from './error-body';

/** `GET /queues` item: a queue's state and activity, every tenant's jobs counted. */
export interface QueueItem {
  queue: string;
  paused: boolean;
  changed_at: string | null;
  broker_messages: number | null;
  queued: number;
  scheduled: number;
  running: number;
  retrying: number;
  finished_per_minute: number;
  wait_p50_ms: number | null;
  wait_p95_ms: number | null;
}

function toItem(view: QueueView): QueueItem {
  return {
    queue: view.queue,
    paused: view.paused,
    changed_at: view.changedAt === null ? null : new Date(view.changedAt).toISOString(),
    broker_messages: view.brokerMessages,
    queued: view.queued,
    scheduled: view.scheduled,
    running: view.running,
    retrying: view.retrying,
    finished_per_minute: view.finishedPerMinute,
    wait_p50_ms: view.waitP50Ms,
    wait_p95_ms: view.waitP95Ms,
  };
}

function toState(state: QueueState): { queue: string; paused: boolean; changed_at: string } {
  return { queue: state.queue, paused: state.paused, changed_at: new Date(state.changedAt).toISOString() };
}

const QUEUE_PARAM = ApiParam({ name: 'queue', description: 'A job queue, as job definitions name it (e.g. `default`, `video`)' });

/**
 * The job queues: their state and activity, and pausing or resuming one across every worker. Queues are shared
 * by every tenant, so with API keys only an `admin` key may call these.
 */
@ApiTags('queues')
@CaskController('queues')
@AdminOnly('Queues are shared by every tenant: only an admin API key may see, pause or resume them')
export class QueuesController {
  constructor(private readonly controls: QueueControls) {}

  @Get()
  @ApiOperation({
    summary: 'Every job queue: paused or not, depth, running, finishes per minute, wait percentiles',
    description:
      'Counts are of every tenant’s jobs. `broker_messages`: ready in the broker (a pack of jobs counts once). ' +
      '`finished_per_minute` and `wait_p50_ms`/`wait_p95_ms` (from due to start) cover the last minute.',
  })
  @ApiOkResponse({ type: QueueListResponse })
  async list(): Promise<{ items: QueueItem[] }> {
    return { items: (await this.controls.list()).map(toItem) };
  }

  @Post(':queue/pause')
  @HttpCode(HttpStatus.OK)
  @QUEUE_PARAM
  @ApiOperation({
    summary: 'Pause a queue across every worker',
    description: 'Workers start none of its jobs until it is resumed; jobs wait, running ones run on, nothing is lost.',
  })
  @ApiOkResponse({ type: QueueStateResponse })
  async pause(@Param('queue') queue: string): Promise<ReturnType<typeof toState>> {
    return toState(await this.known(() => this.controls.pause(queue)));
  }

  @Post(':queue/resume')
  @HttpCode(HttpStatus.OK)
  @QUEUE_PARAM
  @ApiOperation({ summary: 'Resume a paused queue', description: 'Workers start its waiting jobs again.' })
  @ApiOkResponse({ type: QueueStateResponse })
  async resume(@Param('queue') queue: string): Promise<ReturnType<typeof toState>> {
    return toState(await this.known(() => this.controls.resume(queue)));
  }

  private async known<T>(act: () => Promise<T>): Promise<T> {
    try {
      return await act();
    } catch (err) {
      if (!(err instanceof UnknownQueueError)) throw err;
      throw new NotFoundException(errorBody(err.message, [{ field: 'queue', reason: `must be one of: ${err.known.join(', ')}` }]));
    }
  }
}
