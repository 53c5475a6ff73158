package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.Subscription;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The listener registry's shutdown on a real RabbitMQ with the Redis store: closing the context
 * lets the message in flight finish (it can still publish) and be acknowledged, and leaves the
 * messages not fetched yet (max-in-flight 1) to the next context, which handles each of them once.
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class ListenerShutdownRabbitTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    static final CountDownLatch STARTED = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);
    static final List<String> HANDLED = new CopyOnWriteArrayList<>();
    static final AtomicReference<Throwable> RECEIPT = new AtomicReference<>();

    private final String topic = UniqueNames.of("orders");
    private final String receipts = UniqueNames.of("receipts");

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean("billing", Billing.class)
                .withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                        "keel.redis.uri=" + Brokers.redis().uri(), "keel.redis.key-prefix=" + UniqueNames.keyPrefix("boot"),
                        "test.topic=" + topic, "test.receipts=" + receipts,
                        "keel.topics." + topic + ".partitions=1",
                        "keel.topics." + receipts + ".partitions=1", "keel.topics." + receipts + ".groups=audit",
                        // one message in flight: the others wait at the broker, not in this process
                        "keel.listeners.billing.lanes=1", "keel.listeners.billing.max-in-flight=1");
    }

    @AfterEach
    void release() {
        RELEASE.countDown();
    }

    @Test
    void closingTheContextShouldFinishAndAckTheMessageInFlightAndLeaveTheRestToTheNextContext() throws Exception {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            Publisher publisher = context.getBean(Publisher.class);
            for (int i = 1; i <= 5; i++) {
                publisher.publish(topic, Message.builder("m" + i, Codec.utf8()).id("m" + i).key("order-1").build());
            }
            assertThat(STARTED.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("m1 started").isTrue();
            Subscription subscription = context.getBean(KeelListenerRegistry.class).subscriptions().get("billing");

            CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.CLOSING);
            RELEASE.countDown();
            closing.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
            assertThat(RECEIPT.get()).as("the receipt m1 published while draining").isNull();
            assertThat(HANDLED).containsExactly("m1");
        });

        runner().run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(PATIENCE).until(() -> HANDLED.size() >= 5);
            assertThat(HANDLED).as("m1 acknowledged, the rest redelivered once each, in order")
                    .containsExactly("m1", "m2", "m3", "m4", "m5");
        });
    }

    /** The billing listener: the first message waits for the test, then publishes a receipt. */
    public static class Billing {
        private final Publisher publisher;
        private final String receipts;

        public Billing(Publisher publisher, org.springframework.core.env.Environment environment) {
            this.publisher = publisher;
            this.receipts = environment.getRequiredProperty("test.receipts");
        }

        @KeelListener(topic = "${test.topic}", group = "billing", id = "billing")
        public void bill(Delivery<String> delivery) throws InterruptedException {
            if (delivery.payload().equals("m1")) {
                STARTED.countDown();
                RELEASE.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    publisher.publish(receipts, Message.builder("receipt-m1", Codec.utf8()).id("receipt-m1").build());
                } catch (RuntimeException e) {
                    RECEIPT.set(e);
                }
            }
            HANDLED.add(delivery.payload());
        }
    }
}
