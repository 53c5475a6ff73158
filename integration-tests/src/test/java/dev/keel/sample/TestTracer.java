package dev.keel.sample;

import brave.Span;
import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.sampler.Sampler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.brave.bridge.W3CPropagation;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real tracer for the sample's tests: Brave with W3C trace-context propagation, bridged to
 * Micrometer Tracing, its finished spans kept in memory. {@link #attachTo} gives it to an application
 * context before its refresh, as a tracer bridge's auto-configuration would: the tracer, and the
 * tracing observation handlers (a producer span that injects {@code traceparent}, a consumer span
 * that extracts it, a plain span for any other observation) as one handler of the
 * {@code ObservationRegistry} Spring Boot configures, where the starter's {@code ObservationInterceptor}
 * observes Keel's publishes and deliveries.
 */
public final class TestTracer implements AutoCloseable {

    private final List<MutableSpan> spans = new CopyOnWriteArrayList<>();
    private final Tracing tracing = Tracing.newBuilder()
            .localServiceName("orders-sample")
            .currentTraceContext(ThreadLocalCurrentTraceContext.create())
            .propagationFactory(new W3CPropagation())
            .traceId128Bit(true) // W3C trace ids are 128-bit
            .sampler(Sampler.ALWAYS_SAMPLE)
            .addSpanHandler(new SpanHandler() {
                @Override
                public boolean end(TraceContext context, MutableSpan span, Cause cause) {
                    spans.add(span);
                    return true;
                }
            }).build();
    private final BraveTracer tracer = new BraveTracer(tracing.tracer(),
            new BraveCurrentTraceContext(tracing.currentTraceContext()));
    private final BravePropagator propagator = new BravePropagator(tracing);

    /** Registers the tracer and its observation handlers with {@code context}, which must not be refreshed yet. */
    public void attachTo(ConfigurableApplicationContext context) {
        ConfigurableListableBeanFactory beans = context.getBeanFactory();
        beans.registerSingleton("testTracer", tracer);
        beans.registerSingleton("testTracingObservationHandler",
                new ObservationHandler.FirstMatchingCompositeObservationHandler(
                        new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                        new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                        new DefaultTracingObservationHandler(tracer)));
    }

    /** The spans of {@code kind} finished so far. */
    public List<MutableSpan> finished(Span.Kind kind) {
        return spans.stream().filter(s -> s.kind() == kind).toList();
    }

    /** The spans finished so far, of every kind. */
    public List<MutableSpan> finished() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        tracing.close();
    }
}
