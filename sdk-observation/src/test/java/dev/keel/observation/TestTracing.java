package dev.keel.observation;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real tracer for the tests, as an application would set it up without Spring: OpenTelemetry's SDK
 * with W3C trace-context propagation, bridged to Micrometer Observation, spans kept in memory.
 */
final class TestTracing implements AutoCloseable {

    /** {@code 00-<trace id>-<span id>-<flags>} (flags 01 sampled, 03 sampled with a random trace id: W3C level 2). */
    static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");

    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    final OtelTracer tracer;
    final ObservationRegistry registry = ObservationRegistry.create();

    TestTracing() {
        io.opentelemetry.api.trace.Tracer otel = provider.get("keel-test");
        tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { });
        OtelPropagator propagator = new OtelPropagator(
                ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
        registry.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer)));
    }

    List<SpanData> finished(SpanKind kind) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
    }

    static String attribute(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    /** The trace id and span id a traceparent header names. */
    static String[] parse(String traceparent) {
        Matcher m = TRACEPARENT.matcher(traceparent == null ? "" : traceparent);
        if (!m.matches()) {
            throw new AssertionError("not a W3C traceparent: " + traceparent);
        }
        return new String[] {m.group(1), m.group(2)};
    }

    @Override
    public void close() {
        provider.close();
    }
}
