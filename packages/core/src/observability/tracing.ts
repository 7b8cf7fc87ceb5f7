import { TRACE_HEADERS, TraceCarrier } from '@cask/contracts';
import {
  Attributes,
  Context,
  INVALID_SPAN_CONTEXT,
  Link,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';

/**
 * Attribute names of OpenTelemetry's messaging semantic conventions (v1.27 and later) that Cask's spans use,
 * copied rather than imported: the conventions are not stable, and their package says to copy unstable names.
 */
export const MessagingAttributes = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  bodySize: 'messaging.message.body.size',
  consumerGroup: 'messaging.consumer.group.name',
  errorType: 'error.type',
} as const;

/** Cask's own attributes on its spans. */
export const CaskAttributes = {
  jobId: 'cask.job.id',
  jobType: 'cask.job.type',
  attempt: 'cask.job.attempt',
  series: 'cask.job.series',
  tenant: 'cask.job.tenant',
  /** How long the attempt waited between becoming runnable and starting, in milliseconds. */
  queueWaitMs: 'cask.job.queue_wait_ms',
  outcome: 'cask.job.outcome',
  worker: 'cask.worker.id',
} as const;

export type MessagingOperation = 'create' | 'send' | 'process';

/** The span of work nobody traces: what Cask uses without an SDK, in place of making one. */
export const UNTRACED_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether an OpenTelemetry SDK is registered (a tracer provider behind the API's proxy). Without one, Cask skips its
 * span work altogether: the no-op calls cost little each, but the bench measured them on the dispatch path.
 */
export function isTracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer('@cask/core') !== undefined;
}

/**
 * Starts a span of a messaging operation on a tracer of Cask's, named `<operation> <destination>` as the
 * conventions ask. Without an OpenTelemetry SDK it is {@link UNTRACED_SPAN} and nothing else is done; attributes
 * are built only for a span that records.
 */
export function startMessagingSpan(
  scope: string,
  operation: MessagingOperation,
  destination: string,
  parent: Context,
  attributes: () => Attributes,
  links?: Link[],
): Span {
  if (!isTracing()) return UNTRACED_SPAN;
  const span = trace
    .getTracer(scope)
    .startSpan(`${operation} ${destination}`, { kind: operation === 'process' ? SpanKind.CONSUMER : SpanKind.PRODUCER, links }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      [MessagingAttributes.system]: 'rabbitmq',
      [MessagingAttributes.operationType]: operation,
      [MessagingAttributes.operationName]: operation,
      ...attributes(),
    });
  }
  return span;
}

/** Marks a span failed: its status, the error's type (`error.type`) and the exception recorded. */
export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  span.setAttribute(MessagingAttributes.errorType, err.name);
}

/** Ends a span, as failed when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) failSpan(span, error);
  span.end();
}

/** The trace context of a span, as a message carries it: undefined when there is none to carry (no SDK). */
export function traceCarrierOf(span: Span, base: Context = ROOT_CONTEXT): TraceCarrier | undefined {
  if (!trace.isSpanContextValid(span.spanContext())) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(trace.setSpan(base, span), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** The trace context of the active span (a request's, say): undefined when none is active or no SDK is registered. */
export function activeTraceCarrier(): TraceCarrier | undefined {
  const span = trace.getActiveSpan();
  return span && traceCarrierOf(span, context.active());
}

/** The context a carrier names, as the parent of the next span: the root context when there is none. */
export function contextOfCarrier(carrier: TraceCarrier | undefined): Context {
  return carrier === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, carrier);
}

/** The header names a message's trace context is read from: W3C's, and whatever else the host's propagator writes. */
export function traceFields(): string[] {
  return [...new Set([...TRACE_HEADERS, ...propagation.fields()])];
}
