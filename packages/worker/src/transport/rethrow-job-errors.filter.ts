import { Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter turns every error into "Internal server error", losing whether a job error is
 * permanent. This filter, bound to each `@JobHandler`, hands a job's error back unchanged to the transport,
 * which records it.
 */
@Catch()
export class RethrowJobErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
