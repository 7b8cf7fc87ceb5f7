import type { QueuedResponse } from '@cask/contracts';
import {
  CallHandler,
  ExecutionContext,
  HttpCode,
  HttpStatus,
  Injectable,
  NestInterceptor,
  Optional,
  Type,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiAcceptedResponse } from '@nestjs/swagger';
import { Observable, tap } from 'rxjs';
import { QueuedJobResponse } from '../openapi/job.response';
import { CaskRoutes } from './cask-routes';

/** The seed design's one-line answer: `{"status":"queued","job_id":"..."}`. */
export function queued(jobId: string, status: QueuedResponse['status'] = 'queued'): QueuedResponse {
  return { status, job_id: jobId };
}

@Injectable()
class JobLocationInterceptor implements NestInterceptor {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly routes?: CaskRoutes,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const jobs = this.routes?.jobs ?? '/jobs';
    return next.handle().pipe(
      tap((body: { job_id?: string } | undefined) => {
        if (body?.job_id)
          this.adapterHost.httpAdapter.setHeader(context.switchToHttp().getResponse(), 'Location', `${jobs}/${body.job_id}`);
      }),
    );
  }
}

/**
 * Marks a handler that dispatches a job: answers `202 Accepted` with `Location: /jobs/<job_id>` (under the
 * `path` of `CaskHttpModule`, when the handler's module imports it), taken from the `job_id` of the body it
 * returns, and documents that answer with `response` as its body.
 */
export function AcceptsJob(response: Type = QueuedJobResponse): MethodDecorator {
  return applyDecorators(
    HttpCode(HttpStatus.ACCEPTED),
    UseInterceptors(JobLocationInterceptor),
    ApiAcceptedResponse({
      type: response,
      description: 'Stored and queued (`scheduled` for a delayed job)',
      headers: { Location: { description: 'The job: `/jobs/<job_id>`', schema: { type: 'string' } } },
    }),
  );
}
