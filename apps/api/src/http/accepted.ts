import type { QueuedResponse } from '@cask/contracts';
import { CallHandler, ExecutionContext, HttpCode, HttpStatus, Injectable, NestInterceptor, Type, UseInterceptors, applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { Observable, tap } from 'rxjs';
import { QueuedJobResponse } from '../openapi/job.response';

/** The seed design's one-line answer: `{"status":"queued","job_id":"..."}`. */
export function queued(jobId: string, status: QueuedResponse['status'] = 'queued'): QueuedResponse {
  return { status, job_id: jobId };
}

@Injectable()
class JobLocationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((body: { job_id?: string } | undefined) => {
        if (body?.job_id) context.switchToHttp().getResponse<Response>().setHeader('Location', `/jobs/${body.job_id}`);
      }),
    );
  }
}

/**
 * Marks a handler that dispatches a job: answers `202 Accepted` with `Location: /jobs/<job_id>`, taken
 * from the `job_id` of the body it returns, and documents that answer with `response` as its body.
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
