import { traceFields } from '@cask/core';
import { TraceCarrier, traceOf } from '@cask/contracts';
import { ExecutionContext, createParamDecorator } from '@nestjs/common';

/**
 * The trace context the request names (W3C `traceparent`/`tracestate`, or the host propagator's fields), for
 * routes that pass it on to what they dispatch: their jobs then join the caller's trace when no span is active
 * (an SDK without an HTTP instrumentation). Read only by the routes that dispatch, so other routes pay nothing.
 */
export const TraceContext = createParamDecorator((_data: unknown, context: ExecutionContext): TraceCarrier | undefined => {
  const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
  return traceOf(headers, traceFields());
});
