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

/** Sets `Location: <jobs route>/<job id>` on a response, under Express or Fastify alike. */
export function setJobLocation(adapterHost: HttpAdapterHost, routes: CaskRoutes | undefined, response: unknown, jobId: string): void {
  adapterHost.httpAdapter.setHeader(response, 'Location', `${routes?.jobs ?? '/jobs'}/${jobId}`);
}

@Injectable()
class JobLocationInterceptor implements NestInterceptor {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly routes?: CaskRoutes,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((body: { job_id?: string } | undefined) => {
        if (body?.job_id) setJobLocation(this.adapterHost, this.routes, context.switchToHttp().getResponse(), body.job_id);
      }),
    );
  }
}

/** `202 Accepted` and its documentation, for a handler that sets its `Location` itself ({@link setJobLocation}). */
export function AcceptedJob(response: Type = QueuedJobResponse): MethodDecorator {
  return applyDecorators(
    HttpCode(HttpStatus.ACCEPTED),
    ApiAcceptedResponse({
      type: response,
      description: 'Stored and queued (`scheduled` for a delayed job)',
      headers: { Location: { description: 'The job: `/jobs/<job_id>`', schema: { type: 'string' } } },
    }),
  );
}

/**
 * Marks a handler that dispatches a job: answers `202 Accepted` with `Location: /jobs/<job_id>` (under the
 * `path` of `CaskHttpModule`, when the handler's module imports it), taken from the `job_id` of the body it
 * returns, and documents that answer with `response` as its body.
 */
export function AcceptsJob(response: Type = QueuedJobResponse): MethodDecorator {
  return applyDecorators(AcceptedJob(response), UseInterceptors(JobLocationInterceptor));
}
