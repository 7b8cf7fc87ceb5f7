import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter turns every error into "Internal server error", losing whether a job error is
 * permanent. This filter hands a job's error back unchanged to the transport, which records it. Being
 * global, it also sees the worker's HTTP endpoints (health, metrics): those get Nest's usual answer.
 */
@Catch()
export class RethrowJobErrorsFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'rpc') return super.catch(exception, host);
    return throwError(() => exception);
  }
}
