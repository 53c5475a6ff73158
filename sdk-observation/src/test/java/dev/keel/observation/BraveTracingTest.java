package dev.keel.observation;

import static dev.keel.observation.TestTracing.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import brave.Span;
import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.sampler.Sampler;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.brave.bridge.W3CPropagation;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The same interceptor with Brave (W3C propagation) as the tracer instead of OpenTelemetry. */
class BraveTracingTest {

    private final List<MutableSpan> spans = new CopyOnWriteArrayList<>();
    private final Tracing tracing = Tracing.newBuilder()
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
    private final InMemoryBroker broker = InMemoryBroker.create();
    private Keel keel;

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
        }
        broker.close();
        tracing.close();
    }

    private List<MutableSpan> finished(Span.Kind kind) {
        return spans.stream().filter(s -> s.kind() == kind).toList();
    }

    @Test
    void withBraveTheConsumerSpanShouldContinueTheProducerSpanThroughTheTraceparentHeader() {
        BraveTracer tracer = new BraveTracer(tracing.tracer(),
                new BraveCurrentTraceContext(tracing.currentTraceContext()));
        BravePropagator propagator = new BravePropagator(tracing);
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer)));
        keel = Keel.builder(broker.connect()).interceptor(new ObservationInterceptor(registry, "inmemory")).build();
        keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());

        keel.publisher("orders", Codec.utf8()).message("{}").id("order-1").publish();
        keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { });

        await().atMost(Duration.ofSeconds(30)).until(() -> finished(Span.Kind.CONSUMER).size() == 1);
        MutableSpan producer = finished(Span.Kind.PRODUCER).get(0);
        MutableSpan consumer = finished(Span.Kind.CONSUMER).get(0);
        String[] ids = parse(broker.records("orders").get(0).headers().get(KeelHeaders.TRACEPARENT));
        assertThat(ids).containsExactly(producer.traceId(), producer.id());
        assertThat(consumer.traceId()).isEqualTo(producer.traceId());
        assertThat(consumer.parentId()).isEqualTo(producer.id());
        assertThat(producer.name()).isEqualTo("send orders");
        assertThat(consumer.name()).isEqualTo("process orders");
        assertThat(consumer.tag("messaging.message.id")).isEqualTo("order-1");
        assertThat(consumer.tag("keel.delivery.attempt")).isEqualTo("1");
    }
}
