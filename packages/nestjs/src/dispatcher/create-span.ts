import { CaskAttributes, MessagingAttributes, UNTRACED_SPAN, endSpan, isTracing, startMessagingSpan, traceCarrierOf } from '@cask/core';
import { TraceCarrier, isTraceCarrier } from '@cask/contracts';
import { Span, context, propagation, trace } from '@opentelemetry/api';

/** The jobs of one dispatch call, as its `create` span names them. */
export interface CreatedJobs {
  queues: readonly string[];
  types: readonly string[];
}

/**
 * Runs a dispatch in its `create` span, a child of the active context (the HTTP request's, when the host traces
 * requests), or else of `incoming` (the trace context a request's headers name): `work` gets the span's trace context, which the dispatch stores with its jobs so their messages,
 * their runs and their outcomes join the same trace, and runs with the span active, so the store's own spans (a
 * database instrumentation's) nest under it. Without an OpenTelemetry SDK `work` runs at once, with no span and
 * `trace` undefined: nothing is stored, and nothing else is done.
 */
export async function inCreateSpan<T>(
  jobs: CreatedJobs,
  incoming: TraceCarrier | undefined,
  work: (trace: TraceCarrier | undefined, span: Span) => Promise<T>,
): Promise<T> {
  if (!isTracing()) return work(undefined, UNTRACED_SPAN);
  const active = context.active();
  const parent = incoming && isTraceCarrier(incoming) && !trace.getSpan(active) ? propagation.extract(active, incoming) : active;
  const queues = [...new Set(jobs.queues)];
  const types = [...new Set(jobs.types)];
  const span = startMessagingSpan('@cask/nestjs', 'create', queues.length === 1 ? queues[0] : 'jobs', parent, () => ({
    ...(queues.length === 1 ? { [MessagingAttributes.routingKey]: queues[0] } : {}),
    ...(jobs.queues.length > 1 ? { [MessagingAttributes.batchCount]: jobs.queues.length } : {}),
    ...(types.length === 1 ? { [CaskAttributes.jobType]: types[0] } : {}),
  }));
  const carrier = traceCarrierOf(span, parent);
  try {
    const result = await context.with(trace.setSpan(parent, span), () => work(carrier, span));
    span.end();
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}
