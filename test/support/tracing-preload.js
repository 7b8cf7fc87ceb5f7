// Registers an OpenTelemetry SDK in the process it is preloaded into (NODE_OPTIONS="--require <this file>"), as a
// host would, with no instrumentation but Cask's own spans. Spans go to an in-memory exporter; each batch exported
// is also appended to the file CASK_TEST_SPANS names, one JSON line per span, so a test reads both processes' spans
// (each process its own file).
const { appendFileSync } = require('node:fs');
const { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');

const file = process.env.CASK_TEST_SPANS;
if (!file) throw new Error('tracing-preload: set CASK_TEST_SPANS to the file spans are written to');

class FileSpanExporter extends InMemorySpanExporter {
  export(spans, resultCallback) {
    const lines = spans.map((span) =>
      JSON.stringify({
        name: span.name,
        kind: span.kind,
        scope: span.instrumentationScope.name,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        attributes: span.attributes,
        status: span.status,
        events: span.events.map((event) => event.name),
        startMs: span.startTime[0] * 1e3 + span.startTime[1] / 1e6,
        endMs: span.endTime[0] * 1e3 + span.endTime[1] / 1e6,
      }),
    );
    appendFileSync(file, lines.map((line) => `${line}\n`).join(''));
    super.export(spans, resultCallback);
  }
}

new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new FileSpanExporter())] }).register();
