import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import { Observable } from 'rxjs';

/**
 * Runs a Cask route in the trace its request names (W3C `traceparent`), when the host has an OpenTelemetry SDK
 * but no HTTP instrumentation made a span for the request: the jobs it dispatches then join the caller's trace.
 * With an HTTP instrumentation the request's own span is active and this does nothing; without an SDK,
 * extracting finds nothing and this does nothing either.
 */
@Injectable()
export class TraceContextInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http' || trace.getActiveSpan()) return next.handle();
    const { headers } = execution.switchToHttp().getRequest<{ headers?: IncomingHttpHeaders }>();
    if (!headers) return next.handle();
    const extracted = propagation.extract(context.active(), headers);
    if (!trace.getSpanContext(extracted)) return next.handle();
    // The handler runs when the call is subscribed to: subscribing inside the context runs it there.
    return new Observable((subscriber) => context.with(extracted, () => next.handle().subscribe(subscriber)));
  }
}
