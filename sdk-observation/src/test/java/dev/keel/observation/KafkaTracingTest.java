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
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The trace context travels through a real Kafka broker in record headers, to the consumer and into dead letters. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaTracingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final TestTracing tracing = new TestTracing();
    private KafkaAdapter kafka;
    private Keel keel;
    private String topic;
    private String group;

    @BeforeEach
    void open() {
        kafka = new KafkaAdapter(KafkaConfig.custom().bootstrapServers(Brokers.kafka().bootstrapServers())
                .clientId("keel-observation-test")
                .maxBlock(Duration.ofSeconds(5))
                .commitInterval(Duration.ofMillis(50))
                .property("session.timeout.ms", "6000")
                .property("heartbeat.interval.ms", "500")
                .build());
        keel = Keel.builder(kafka).withoutIdempotencyStore()
                .interceptor(new ObservationInterceptor(tracing.registry, ObservationInterceptor.KAFKA)).build();
        topic = UniqueNames.of("traced");
        group = UniqueNames.of("group");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
    }

    @AfterEach
    void close() {
        keel.close();
        kafka.close();
        tracing.close();
    }

    @Test
    void theTraceparentShouldRoundTripThroughKafkaAndTheConsumerSpanContinueTheProducerSpan() {
        PublishReceipt receipt = keel.publisher(topic, Codec.utf8()).message("{}").id("order-1").key("order-1")
                .publish();
        Map<String, Delivery<String>> received = new ConcurrentHashMap<>();

        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> received.put(d.id(), d));

        await().atMost(WAIT).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 1);
        SpanData producer = tracing.finished(SpanKind.PRODUCER).get(0);
        SpanData consumer = tracing.finished(SpanKind.CONSUMER).get(0);
        String[] ids = parse(received.get("order-1").headers().get(KeelHeaders.TRACEPARENT));
        assertThat(ids).as("the header as read back from Kafka names the producer span")
                .containsExactly(producer.getTraceId(), producer.getSpanId());
        assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
        assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        assertThat(attribute(producer, "messaging.system")).isEqualTo("kafka");
        assertThat(attribute(producer, "messaging.destination.partition.id")).isEqualTo(receipt.partition());
        assertThat(attribute(consumer, "messaging.system")).isEqualTo("kafka");
        assertThat(attribute(consumer, "messaging.destination.name")).isEqualTo(topic);
        assertThat(attribute(consumer, "messaging.consumer.group.name")).isEqualTo(group);
        assertThat(attribute(consumer, "messaging.destination.partition.id")).isEqualTo(receipt.partition());
        assertThat(attribute(consumer, "messaging.message.id")).isEqualTo("order-1");
        assertThat(attribute(consumer, "keel.delivery.attempt")).isEqualTo("1");
    }

    @Test
    void aDeadLetterOnKafkaShouldKeepTheOriginalTraceparent() {
        keel.publisher(topic, Codec.utf8()).message("poison").id("poison-1").key("k").publish();

        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).retryPolicy(RetryPolicy.none()).build(), d -> {
                    throw new IllegalStateException("cannot handle it");
                });
        Map<String, Delivery<String>> letters = new ConcurrentHashMap<>();
        keel.subscribe(SubscriptionConfig.builder(topic + ".DLT", group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).deadLetterPolicy(DeadLetterPolicy.none()).build(),
                d -> letters.put(d.id(), d));

        await().atMost(WAIT).until(() -> letters.containsKey("poison-1"));
        SpanData producer = tracing.finished(SpanKind.PRODUCER).get(0);
        assertThat(parse(letters.get("poison-1").headers().get(KeelHeaders.TRACEPARENT)))
                .containsExactly(producer.getTraceId(), producer.getSpanId());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tracing.finished(SpanKind.CONSUMER))
                .filteredOn(s -> (topic + ".DLT").equals(attribute(s, "messaging.destination.name"))).singleElement()
                .satisfies(s -> assertThat(s.getParentSpanId()).isEqualTo(producer.getSpanId())));
    }
}
