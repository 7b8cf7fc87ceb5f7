import { UNTRACED_SPAN, isTracing } from '@cask/core';
import { withTestTracing } from '@cask/testing';
import { context, trace } from '@opentelemetry/api';
import { inCreateSpan } from './create-span';

const CALLER = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
const jobs = { queues: ['default'], types: ['email.welcome'] };

describe('inCreateSpan', () => {
  it('does nothing to carry without an OpenTelemetry SDK: no trace context for the jobs, no span', async () => {
    expect(isTracing()).toBe(false);
    expect(await inCreateSpan(jobs, CALLER, async (carrier, span) => [carrier, span])).toEqual([undefined, UNTRACED_SPAN]);
  });

  describe('with an SDK registered', () => {
    const exporter = withTestTracing();

    it("continues the caller's trace context when no span is active, and hands its own on", async () => {
      expect(isTracing()).toBe(true);
      const carrier = await inCreateSpan(jobs, CALLER, async (own) => own);
      const [span] = exporter.getFinishedSpans();
      expect(span.name).toBe('create default');
      expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(carrier?.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`);
    });

    it('prefers the active span (an HTTP instrumentation’s) and ignores a malformed carrier', async () => {
      const outer = trace.getTracer('test').startSpan('POST /jobs');
      await context.with(trace.setSpan(context.active(), outer), () => inCreateSpan(jobs, CALLER, async () => undefined));
      outer.end();
      await inCreateSpan(jobs, { traceparent: 7 } as never, async () => undefined);
      const [inner, , orphan] = exporter.getFinishedSpans();
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(orphan.parentSpanContext).toBeUndefined();
    });

    it('marks the span failed when the dispatch throws, and rethrows', async () => {
      await expect(inCreateSpan(jobs, undefined, async () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
      expect(exporter.getFinishedSpans()[0].status).toEqual({ code: 2, message: 'store down' });
    });
  });
});
