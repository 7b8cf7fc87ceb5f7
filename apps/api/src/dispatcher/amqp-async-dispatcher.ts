import { ConfirmPublisher } from '@cask/amqp';
import { CaskTopology, JobDefinition, JobView, encodeEnvelope, isUuid, validatePayload } from '@cask/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { JobStore } from '../store/job-store';
import { toJobView } from '../store/job-view.mapper';
import { AsyncDispatcher, DispatchOptions } from './async-dispatcher';
import { checkDispatchOptions } from './dispatch-options';
import { InvalidPayloadError } from './invalid-payload.error';

/** Stores the job, then publishes it with a broker confirm; undoes the row if the broker does not take it. */
@Injectable()
export class AmqpAsyncDispatcher extends AsyncDispatcher {
  private readonly logger = new Logger(AmqpAsyncDispatcher.name);

  constructor(
    private readonly store: JobStore,
    private readonly publisher: ConfirmPublisher,
    private readonly topology: CaskTopology,
  ) {
    super();
  }

  override async dispatch<P extends object, R>(job: JobDefinition<P, R>, payload: P, options: DispatchOptions = {}): Promise<string> {
    const validation = validatePayload(job, payload);
    if (!validation.ok) throw new InvalidPayloadError(job.name, validation.errors);
    checkDispatchOptions(job.name, options);
    const id = uuidv7();
    const createdAt = Date.now();
    const priority = options.priority ?? 0;
    await this.store.insert({ id, type: job.name, queue: job.queue, status: 'queued', payload: validation.value, maxAttempts: 1, priority, createdAt });
    const body = encodeEnvelope({ v: 1, id, type: job.name, payload: validation.value, attempt: 1, created_at: createdAt });
    try {
      await this.publisher.publish(this.topology.jobsExchange, job.queue, body, { messageId: id, type: job.name, priority });
    } catch (err) {
      // The broker never confirmed the job: a row saying "queued" would be a promise nobody keeps.
      await this.store.remove(id).catch((removeErr: Error) =>
        this.logger.error(`Job ${job.name} ${id}: publish failed and its row could not be removed: ${removeErr.message}`),
      );
      throw err;
    }
    this.logger.debug(`Job ${job.name} ${id} dispatched`);
    return id;
  }

  override async getResult<R = unknown>(jobId: string): Promise<JobView<R> | null> {
    if (!isUuid(jobId)) return null;
    const record = await this.store.get(jobId);
    return record ? toJobView<R>(record) : null;
  }
}
