package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.spring.KeelListenerHeaders;
import dev.keel.testkit.InMemoryBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;

/**
 * {@code @KeelListener} methods with spring-messaging's {@code @Payload}, {@code @Header} and {@code @Headers}
 * parameters, as spring-kafka users write them, beside a {@code Delivery<T>} or the payload alone; on the in-memory
 * broker.
 */
class ListenerArgumentsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    static final Queue<String> SEEN = new ConcurrentLinkedQueue<>();
    static final Queue<String> DEAD_LETTERS = new ConcurrentLinkedQueue<>();
    static final AtomicInteger ATTEMPTS = new AtomicInteger();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withPropertyValues("keel.topics.orders.partitions=1", "keel.listener.defaults.retry.initial-backoff=10ms");

    @BeforeEach
    void clear() {
        SEEN.clear();
        DEAD_LETTERS.clear();
        ATTEMPTS.set(0);
    }

    @Test
    void payloadAndHeaderParametersShouldReceiveThePayloadAndTheHeadersTheyName() {
        runner.withBean("billing", HeaderListener.class).run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(Publisher.class).publish("orders", Message.builder(bytes("order-1")).id("order-1")
                    .key("customer-9").header("tenant", "acme").header("level", "3").build());

            await().atMost(PATIENCE).until(() -> !SEEN.isEmpty());
            assertThat(SEEN).containsExactly("order-1 id=order-1 key=customer-9 tenant=acme level=3 attempt=1 "
                    + "topic=orders partition=0 headers.tenant=acme");
        });
    }

    @Test
    void aDeliveryBesideHeaderParametersShouldStillBeTheDelivery() {
        runner.withBean("billing", DeliveryAndHeaderListener.class).run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(Publisher.class).publish("orders", Message.builder(bytes("order-2")).id("order-2")
                    .header("tenant", "acme").build());

            await().atMost(PATIENCE).until(() -> !SEEN.isEmpty());
            assertThat(SEEN).containsExactly("order-2/order-2 tenant=acme");
        });
    }

    @Test
    void anOptionalHeaderShouldBeNullOrItsDefaultValue() {
        runner.withBean("billing", OptionalHeaderListener.class).run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(Publisher.class).publish("orders", Message.builder(bytes("order-3")).id("order-3").build());

            await().atMost(PATIENCE).until(() -> !SEEN.isEmpty());
            assertThat(SEEN).containsExactly("order-3 region=null level=5");
        });
    }

    @Test
    void aMissingRequiredHeaderShouldDeadLetterTheMessageAtOnceNamingTheHeader() {
        runner.withBean("billing", HeaderListener.class).withBean("repair", DeadLetterListener.class).run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(Publisher.class).publish("orders", Message.builder(bytes("order-4")).id("order-4")
                    .key("customer-9").header("level", "1").build());

            await().atMost(PATIENCE).until(() -> !DEAD_LETTERS.isEmpty());
            assertThat(DEAD_LETTERS).singleElement().asString().startsWith("order-4 attempts=1 ")
                    .contains("'tenant'").contains("billing.bill");
            assertThat(ATTEMPTS).as("handler runs: the method was never called without its header").hasValue(0);
            assertThat(SEEN).isEmpty();
        });
    }

    @Test
    void aHeaderThatDoesNotConvertToTheParameterTypeShouldDeadLetterTheMessageAtOnce() {
        runner.withBean("billing", HeaderListener.class).withBean("repair", DeadLetterListener.class).run(context -> {
            context.getBean(Publisher.class).publish("orders", Message.builder(bytes("order-5")).id("order-5")
                    .key("customer-9").header("tenant", "acme").header("level", "high").build());

            await().atMost(PATIENCE).until(() -> !DEAD_LETTERS.isEmpty());
            assertThat(DEAD_LETTERS).singleElement().asString().startsWith("order-5 attempts=1 ")
                    .contains("'level'").contains("int");
        });
    }

    @Test
    void aMethodWithTwoPayloadParametersShouldFailTheStartupNamingTheMethod() {
        runner.withBean("billing", TwoPayloads.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("billing.bill")
                    .hasMessageContaining("@Payload");
        });
    }

    @Test
    void aMethodWithNeitherPayloadNorDeliveryShouldFailTheStartup() {
        runner.withBean("billing", HeadersOnly.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("billing.bill")
                    .hasMessageContaining("payload");
        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static class HeaderListener {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(@Payload String order, @Header(KeelListenerHeaders.ID) String id,
                         @Header(KeelListenerHeaders.KEY) String key, @Header("tenant") String tenant,
                         @Header("level") int level, @Header(KeelListenerHeaders.ATTEMPT) int attempt,
                         @Header(KeelListenerHeaders.RECEIVED_TOPIC) String topic,
                         @Header(KeelListenerHeaders.RECEIVED_PARTITION) String partition,
                         @Headers Map<String, String> headers) {
            ATTEMPTS.incrementAndGet();
            SEEN.add(order + " id=" + id + " key=" + key + " tenant=" + tenant + " level=" + level + " attempt="
                    + attempt + " topic=" + topic + " partition=" + partition + " headers.tenant=" + headers.get("tenant"));
        }
    }

    public static class DeliveryAndHeaderListener {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(Delivery<String> order, @Header("tenant") String tenant) {
            SEEN.add(order.id() + "/" + order.payload() + " tenant=" + tenant);
        }
    }

    public static class OptionalHeaderListener {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(String order, @Header(name = "region", required = false) String region,
                         @Header(name = "level", defaultValue = "5") int level) {
            SEEN.add(order + " region=" + region + " level=" + level);
        }
    }

    public static class DeadLetterListener {
        @KeelListener(topic = "orders.DLT", group = "repair")
        public void read(@Payload String order, @Header(KeelHeaders.DLT_ATTEMPTS) int attempts,
                         @Header(KeelHeaders.DLT_CAUSE_MESSAGE) String cause) {
            DEAD_LETTERS.add(order + " attempts=" + attempts + " " + cause);
        }
    }

    public static class TwoPayloads {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(@Payload String order, String other) {
        }
    }

    public static class HeadersOnly {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(@Header("tenant") String tenant) {
        }
    }
}
