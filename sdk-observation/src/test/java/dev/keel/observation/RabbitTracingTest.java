package dev.keel.observation;

import static dev.keel.observation.TestTracing.attribute;
import static dev.keel.observation.TestTracing.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The trace context travels through a real RabbitMQ broker in AMQP message headers. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitTracingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final TestTracing tracing = new TestTracing();
    private final RabbitAdapter rabbit = new RabbitAdapter(RabbitConfig.custom().uri(Brokers.rabbit().uri())
            .connectionName("keel-observation-test").build());
    private final Keel keel = Keel.builder(rabbit).withoutIdempotencyStore()
            .interceptor(new ObservationInterceptor(tracing.registry, ObservationInterceptor.RABBITMQ)).build();

    @AfterEach
    void close() {
        keel.close();
        rabbit.close();
        tracing.close();
    }

    @Test
    void theTraceparentShouldRoundTripThroughRabbitmqAndTheConsumerSpanContinueTheProducerSpan() {
        String topic = UniqueNames.of("traced");
        String group = UniqueNames.of("group");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
        PublishReceipt receipt = keel.publisher(topic, Codec.utf8()).message("{}").id("order-1").key("order-1")
                .publish();
        Map<String, Delivery<String>> received = new ConcurrentHashMap<>();

        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> received.put(d.id(), d));

        await().atMost(WAIT).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 1);
        SpanData producer = tracing.finished(SpanKind.PRODUCER).get(0);
        SpanData consumer = tracing.finished(SpanKind.CONSUMER).get(0);
        assertThat(parse(received.get("order-1").headers().get(KeelHeaders.TRACEPARENT)))
                .as("the header as read back from RabbitMQ names the producer span")
                .containsExactly(producer.getTraceId(), producer.getSpanId());
        assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
        assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        assertThat(attribute(consumer, "messaging.system")).isEqualTo("rabbitmq");
        // on RabbitMQ a delivery names its partition queue, <topic>.<group>.<i>; the receipt names i
        assertThat(attribute(consumer, "messaging.destination.partition.id"))
                .isEqualTo(topic + "." + group + "." + receipt.partition());
        assertThat(attribute(producer, "messaging.destination.partition.id")).isEqualTo(receipt.partition());
        assertThat(attribute(consumer, "messaging.consumer.group.name")).isEqualTo(group);
    }
}
