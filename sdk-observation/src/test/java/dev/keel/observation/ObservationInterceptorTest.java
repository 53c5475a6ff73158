package dev.keel.observation;

import static dev.keel.observation.TestTracing.attribute;
import static dev.keel.observation.TestTracing.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.core.Keel;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Producer and consumer spans through {@link ObservationInterceptor}, on the in-memory broker with a real OpenTelemetry tracer. */
class ObservationInterceptorTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final String SYSTEM = "inmemory";

    private final TestTracing tracing = new TestTracing();
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

    private void start(ObservationInterceptor interceptor) {
        keel = Keel.builder(broker.connect()).interceptor(interceptor).build();
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(4).group(GROUP).build(),
                TopicSpec.builder(TOPIC + ".DLT").partitions(1).group("ops").build(),
                TopicSpec.builder("invoices").partitions(1).group(GROUP).build());
    }

    private void start() {
        start(new ObservationInterceptor(tracing.registry, SYSTEM));
    }

    private StoredRecord stored(String topic, String id) {
        return broker.records(topic).stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    private SubscriptionConfig.Builder<String> subscription(String topic) {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE);
    }

    @Test
    void aTypedPublishShouldCarryItsProducerSpansW3cTraceparentAsAHeader() {
        start();

        PublishReceipt receipt = keel.publisher(TOPIC, Codec.utf8()).message("{}").id("order-42:created")
                .key("order-42").publish();

        String[] ids = parse(stored(TOPIC, "order-42:created").headers().get(KeelHeaders.TRACEPARENT));
        assertThat(tracing.finished(SpanKind.PRODUCER)).singleElement().satisfies(producer -> {
            assertThat(producer.getTraceId()).isEqualTo(ids[0]);
            assertThat(producer.getSpanId()).isEqualTo(ids[1]);
            assertThat(producer.getName()).isEqualTo("send orders");
            assertThat(producer.getParentSpanContext().isValid()).as("a root span: no observation was current").isFalse();
            assertThat(attribute(producer, "messaging.system")).isEqualTo(SYSTEM);
            assertThat(attribute(producer, "messaging.destination.name")).isEqualTo(TOPIC);
            assertThat(attribute(producer, "messaging.operation.name")).isEqualTo("send");
            assertThat(attribute(producer, "messaging.operation.type")).isEqualTo("send");
            assertThat(attribute(producer, "messaging.message.id")).isEqualTo("order-42:created");
            assertThat(attribute(producer, "messaging.destination.partition.id")).isEqualTo(receipt.partition());
            assertThat(attribute(producer, "messaging.message.body.size")).isEqualTo("2");
            assertThat(producer.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        });
    }

    @Test
    void eachMessageOfTheSharedPublishersPublishAllShouldGetItsOwnProducerSpanAndAssignedId() {
        start();

        List<PublishReceipt> receipts = keel.publisher().publishAll(TOPIC,
                List.of(Message.ofText("a"), Message.ofText("b")));

        List<SpanData> producers = tracing.finished(SpanKind.PRODUCER);
        assertThat(producers).hasSize(2);
        for (PublishReceipt receipt : receipts) {
            String[] ids = parse(stored(TOPIC, receipt.messageId()).headers().get(KeelHeaders.TRACEPARENT));
            assertThat(producers).filteredOn(s -> s.getSpanId().equals(ids[1])).singleElement()
                    .satisfies(s -> assertThat(attribute(s, "messaging.message.id")).isEqualTo(receipt.messageId()));
        }
    }

    @Test
    void aPublishWhileAnObservationIsCurrentShouldBeItsChild() {
        start();
        Observation request = Observation.start("http.request", tracing.registry);

        request.scoped(() -> keel.publisher(TOPIC, Codec.utf8()).publish("k", "v"));
        request.stop();

        SpanData parent = tracing.spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.INTERNAL).findFirst().orElseThrow();
        assertThat(tracing.finished(SpanKind.PRODUCER)).singleElement().satisfies(producer -> {
            assertThat(producer.getParentSpanId()).isEqualTo(parent.getSpanId());
            assertThat(producer.getTraceId()).isEqualTo(parent.getTraceId());
        });
    }

    @Test
    void theConsumerSpanShouldBeAChildOfTheProducerSpanAndCurrentWhileTheHandlerRuns() {
        start();
        PublishReceipt receipt = keel.publisher(TOPIC, Codec.utf8()).message("{\"total\":12}").id("order-7")
                .key("order-7").publish();
        Map<String, String> seen = new ConcurrentHashMap<>();

        keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).build(),
                delivery -> seen.put(delivery.id(), tracing.tracer.currentSpan().context().spanId()));

        await().atMost(PATIENCE).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 1);
        SpanData producer = tracing.finished(SpanKind.PRODUCER).get(0);
        SpanData consumer = tracing.finished(SpanKind.CONSUMER).get(0);
        assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
        assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        assertThat(consumer.getParentSpanContext().isRemote()).as("continued from the message's headers").isTrue();
        assertThat(seen).containsEntry("order-7", consumer.getSpanId());
        assertThat(consumer.getName()).isEqualTo("process orders");
        assertThat(attribute(consumer, "messaging.system")).isEqualTo(SYSTEM);
        assertThat(attribute(consumer, "messaging.destination.name")).isEqualTo(TOPIC);
        assertThat(attribute(consumer, "messaging.operation.name")).isEqualTo("process");
        assertThat(attribute(consumer, "messaging.operation.type")).isEqualTo("process");
        assertThat(attribute(consumer, "messaging.consumer.group.name")).isEqualTo(GROUP);
        assertThat(attribute(consumer, "messaging.message.id")).isEqualTo("order-7");
        assertThat(attribute(consumer, "messaging.destination.partition.id")).isEqualTo(receipt.partition());
        assertThat(attribute(consumer, "messaging.message.body.size")).isEqualTo("12");
        assertThat(attribute(consumer, "keel.delivery.attempt")).isEqualTo("1");
    }

    @Test
    void eachAttemptShouldGetItsOwnConsumerSpanCarryingItsAttemptNumber() {
        start();
        keel.publisher(TOPIC, Codec.utf8()).message("v").id("flaky").publish();

        keel.subscribe(subscription(TOPIC)
                .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build())
                .build(), delivery -> {
                    if (delivery.attempt() < 3) {
                        throw new IllegalStateException("attempt " + delivery.attempt() + " fails");
                    }
                });

        await().atMost(PATIENCE).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 3);
        SpanData producer = tracing.finished(SpanKind.PRODUCER).get(0);
        List<SpanData> attempts = tracing.finished(SpanKind.CONSUMER).stream()
                .sorted(Comparator.comparing(s -> attribute(s, "keel.delivery.attempt"))).toList();
        assertThat(attempts).extracting(s -> attribute(s, "keel.delivery.attempt")).containsExactly("1", "2", "3");
        assertThat(attempts).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(producer.getSpanId()));
        assertThat(attempts).extracting(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)
                .as("failed attempts end in error").containsExactly(true, true, false);
        assertThat(attempts.get(0).getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
        assertThat(broker.records(TOPIC + ".DLT")).isEmpty();
    }

    @Test
    void aDeadLetterShouldKeepTheTraceContextSoItsReaderContinuesTheOriginalTrace() {
        start();
        keel.publisher(TOPIC, Codec.utf8()).message("poison").id("poison").publish();
        String original = stored(TOPIC, "poison").headers().get(KeelHeaders.TRACEPARENT);

        keel.subscribe(subscription(TOPIC).retryPolicy(RetryPolicy.none()).build(), delivery -> {
            throw new IllegalStateException("cannot handle it");
        });
        await().atMost(PATIENCE).until(() -> !broker.records(TOPIC + ".DLT").isEmpty());
        assertThat(broker.records(TOPIC + ".DLT").get(0).headers()).containsEntry(KeelHeaders.TRACEPARENT, original);

        keel.subscribe(SubscriptionConfig.builder(TOPIC + ".DLT", "ops", Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).deadLetterPolicy(DeadLetterPolicy.none()).build(),
                letter -> { });

        await().atMost(PATIENCE).until(() -> tracing.finished(SpanKind.CONSUMER).stream()
                .anyMatch(s -> "orders.DLT".equals(attribute(s, "messaging.destination.name"))));
        String[] ids = parse(original);
        assertThat(tracing.finished(SpanKind.CONSUMER))
                .filteredOn(s -> "orders.DLT".equals(attribute(s, "messaging.destination.name"))).singleElement()
                .satisfies(reader -> {
                    assertThat(reader.getTraceId()).isEqualTo(ids[0]);
                    assertThat(reader.getParentSpanId()).as("the original producer span").isEqualTo(ids[1]);
                    assertThat(attribute(reader, "messaging.consumer.group.name")).isEqualTo("ops");
                });
    }

    @Test
    void aPublishFromAHandlerShouldBeAChildOfItsConsumerSpan() {
        start();
        keel.publisher(TOPIC, Codec.utf8()).message("order").id("o1").publish();

        keel.subscribe(subscription(TOPIC).build(),
                delivery -> keel.publisher("invoices", Codec.utf8()).message("invoice").id("i1").publish());

        await().atMost(PATIENCE).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 1
                && tracing.finished(SpanKind.PRODUCER).size() == 2);
        SpanData consumer = tracing.finished(SpanKind.CONSUMER).get(0);
        assertThat(tracing.finished(SpanKind.PRODUCER))
                .filteredOn(s -> "invoices".equals(attribute(s, "messaging.destination.name"))).singleElement()
                .satisfies(s -> {
                    assertThat(s.getParentSpanId()).isEqualTo(consumer.getSpanId());
                    assertThat(s.getTraceId()).isEqualTo(consumer.getTraceId());
                });
        assertThat(parse(stored("invoices", "i1").headers().get(KeelHeaders.TRACEPARENT))[0])
                .isEqualTo(consumer.getTraceId());
    }

    @Test
    void theTracestateOfAnIncomingMessageShouldBeContinuedAndCarriedOnByAPublishFromItsHandler() {
        start();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String spanId = "00f067aa0ba902b7";
        // published by another service's tracer: traceparent and tracestate as it set them
        try (Keel plain = Keel.builder(broker.connect()).build()) {
            plain.publisher().publish(TOPIC, Message.builder("order", Codec.utf8()).id("o1")
                    .header(KeelHeaders.TRACEPARENT, "00-" + traceId + "-" + spanId + "-01")
                    .header(KeelHeaders.TRACESTATE, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7").build());
        }

        keel.subscribe(subscription(TOPIC).build(),
                delivery -> keel.publisher("invoices", Codec.utf8()).message("invoice").id("i1").publish());

        await().atMost(PATIENCE).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 1
                && tracing.finished(SpanKind.PRODUCER).size() == 1);
        SpanData consumer = tracing.finished(SpanKind.CONSUMER).get(0);
        assertThat(consumer.getTraceId()).isEqualTo(traceId);
        assertThat(consumer.getParentSpanId()).isEqualTo(spanId);
        assertThat(consumer.getSpanContext().getTraceState().asMap())
                .isEqualTo(Map.of("congo", "t61rcWkgMzE", "rojo", "00f067aa0ba902b7"));
        Map<String, String> invoice = stored("invoices", "i1").headers();
        assertThat(invoice.get(KeelHeaders.TRACESTATE)).as("the tracestate header of the handler's publish")
                .isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
        assertThat(parse(invoice.get(KeelHeaders.TRACEPARENT))[0]).isEqualTo(traceId);
    }

    @Test
    void aFailedPublishShouldEndItsProducerSpanWithTheError() {
        start();

        assertThatThrownBy(() -> keel.publisher("never-declared", Codec.utf8()).publish("v"))
                .isInstanceOf(UnroutableException.class);

        assertThat(tracing.finished(SpanKind.PRODUCER)).singleElement().satisfies(producer -> {
            assertThat(producer.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(attribute(producer, "messaging.destination.partition.id")).isNull();
            assertThat(producer.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
        });
    }

    @Test
    void customConventionsShouldNameTheSpansAndAddKeyValues() {
        start(ObservationInterceptor.builder(tracing.registry, ObservationInterceptor.KAFKA)
                .publishConvention(new DefaultKeelPublishObservationConvention() {
                    @Override
                    public String getContextualName(KeelPublishContext context) {
                        return context.topic() + " publish";
                    }
                })
                .processConvention(new DefaultKeelProcessObservationConvention() {
                    @Override
                    public io.micrometer.common.KeyValues getLowCardinalityKeyValues(KeelProcessContext context) {
                        return super.getLowCardinalityKeyValues(context).and("team", "billing");
                    }
                }).build());
        keel.publisher(TOPIC, Codec.utf8()).publish("v");

        keel.subscribe(subscription(TOPIC).build(), delivery -> { });

        await().atMost(PATIENCE).until(() -> tracing.finished(SpanKind.CONSUMER).size() == 1);
        assertThat(tracing.finished(SpanKind.PRODUCER).get(0).getName()).isEqualTo("orders publish");
        assertThat(attribute(tracing.finished(SpanKind.PRODUCER).get(0), "messaging.system")).isEqualTo("kafka");
        assertThat(attribute(tracing.finished(SpanKind.CONSUMER).get(0), "team")).isEqualTo("billing");
    }

    @Test
    void aBlankMessagingSystemShouldFailAtOnce() {
        assertThatThrownBy(() -> new ObservationInterceptor(tracing.registry, " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("messagingSystem");
    }
}
