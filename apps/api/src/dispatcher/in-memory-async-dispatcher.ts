import { DEFAULT_TENANT, FieldError, JobContext, JobDefinition, JobHandlerFn, JobView, toJobError, validatePayload } from '@cask/contracts';
import { v7 as uuidv7 } from 'uuid';
import { AsyncDispatcher, BatchItem, DispatchOptions } from './async-dispatcher';
import { BatchValidationError } from './dispatch-errors';
import { checkDispatchOptions, checkPayloadSize } from './dispatch-options';
import { InvalidPayloadError } from './invalid-payload.error';

/**
 * Runs jobs in this process, for users' unit tests: no broker, no store. Register the handlers a test
 * needs, dispatch, then `await dispatcher.drain()` before reading results. Retryable failures are
 * retried up to `max_attempts` at once, without the backoff wait; timeouts are not enforced.
 *
 * ```ts
 * const dispatcher = new InMemoryAsyncDispatcher().register(WelcomeEmail, (payload) => ({ delivered_to: payload.email, message_id: 'm1' }));
 * const moduleRef = await Test.createTestingModule({ ... }).overrideProvider(AsyncDispatcher).useValue(dispatcher).compile();
 * ```
 */
export class InMemoryAsyncDispatcher extends AsyncDispatcher {
  private readonly handlers = new Map<string, JobHandlerFn<object, unknown>>();
  private readonly jobs = new Map<string, JobView>();
  private readonly tenants = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();

  register<P extends object, R>(job: JobDefinition<P, R>, handler: JobHandlerFn<P, R>): this {
    this.handlers.set(job.name, handler as JobHandlerFn<object, unknown>);
    return this;
  }

  override async dispatch<P extends object, R>(job: JobDefinition<P, R>, payload: P, options: DispatchOptions = {}): Promise<string> {
    checkPayloadSize(job, payload);
    const validation = validatePayload(job, payload);
    if (!validation.ok) throw new InvalidPayloadError(job.name, validation.errors);
    checkDispatchOptions(job.name, options);
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`InMemoryAsyncDispatcher: no handler registered for "${job.name}"`);
    const id = uuidv7();
    const view: JobView = {
      job_id: id,
      type: job.name,
      status: 'queued',
      attempts: 0,
      max_attempts: options.maxAttempts ?? job.retry.maxAttempts,
      progress: null,
      result: null,
      error: null,
      next_attempt_at: null,
      run_at: null,
      schedule: options.schedule ?? null,
      priority: options.priority ?? job.priority,
      // Handlers run in this process: there is no worker to name.
      worker: null,
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
    };
    this.jobs.set(id, view);
    this.tenants.set(id, options.tenant ?? DEFAULT_TENANT);
    const run = this.run(view, handler, validation.value, options.requestId).finally(() => this.running.delete(run));
    this.running.add(run);
    return id;
  }

  override async dispatchMany(items: readonly BatchItem[]): Promise<string[]> {
    const errors: FieldError[] = [];
    items.forEach((item, index) => {
      const validation = validatePayload(item.job, item.payload);
      if (!validation.ok) errors.push(...validation.errors.map(({ field, reason }) => ({ field: `jobs[${index}].payload${field ? `.${field}` : ''}`, reason })));
      if (!this.handlers.has(item.job.name)) errors.push({ field: `jobs[${index}].type`, reason: `no handler registered for "${item.job.name}"` });
      try {
        checkDispatchOptions(item.job.name, item.options ?? {});
      } catch (err) {
        if (!(err instanceof InvalidPayloadError)) throw err;
        errors.push(...err.errors.map(({ field, reason }) => ({ field: `jobs[${index}].${field}`, reason })));
      }
    });
    if (errors.length > 0) throw new BatchValidationError(errors);
    const ids: string[] = [];
    for (const item of items) ids.push(await this.dispatch(item.job, item.payload, item.options));
    return ids;
  }

  override async getResult<R = unknown>(jobId: string, tenant?: string): Promise<JobView<R> | null> {
    const view = this.jobs.get(jobId);
    if (!view || (tenant !== undefined && this.tenants.get(jobId) !== tenant)) return null;
    return { ...view } as JobView<R>;
  }

  /** Resolves when every dispatched job has finished, including jobs dispatched by those jobs. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async run(view: JobView, handler: JobHandlerFn<object, unknown>, payload: object, requestId: string | undefined): Promise<void> {
    await Promise.resolve();
    view.started_at = new Date().toISOString();
    for (let attempt = 1; attempt <= view.max_attempts; attempt += 1) {
      const controller = new AbortController();
      const context: JobContext = {
        jobId: view.job_id,
        type: view.type,
        attempt,
        requestId,
        signal: controller.signal,
        progress: async (value) => {
          view.progress = value;
        },
      };
      view.status = 'running';
      view.attempts = attempt;
      try {
        view.result = (await handler(payload, context)) ?? null;
        view.status = 'succeeded';
        view.error = null;
        break;
      } catch (err) {
        view.error = toJobError(err);
        view.status = view.error.retryable && attempt < view.max_attempts ? 'retrying' : 'failed';
        if (view.status === 'failed') break;
      }
    }
    view.finished_at = new Date().toISOString();
  }
}
