package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.ClosedException;
import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.core.Keel;
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
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A listener whose own handler stopped it ({@code registry.stop(id)} returns at once there) is still closing while
 * that handler runs: the application's shutdown waits for it, within its close timeout, before Keel and its
 * publisher close, so the handler can still publish (real RabbitMQ, Redis store).
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class ListenerSelfStopShutdownRabbitTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    static final CountDownLatch STOPPED_ITSELF = new CountDownLatch(1);
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
                        "keel.listeners.billing.lanes=1", "keel.listeners.billing.max-in-flight=1",
                        "keel.listeners.billing.close-timeout=30s");
    }

    @AfterEach
    void release() {
        RELEASE.countDown();
    }

    @Test
    void theShutdownShouldWaitForAListenerThatStoppedItselfBeforeClosingKeel() throws Exception {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            KeelListenerRegistry registry = context.getBean(KeelListenerRegistry.class);
            Keel keel = context.getBean(Keel.class);
            context.getBean(Publisher.class).publish(topic,
                    Message.builder("m1", Codec.utf8()).id("m1").key("order-1").build());
            assertThat(STOPPED_ITSELF.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("m1 stopped its listener")
                    .isTrue();
            assertThat(registry.isRunning("billing")).isFalse();

            CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
            await().atMost(PATIENCE).until(() -> !registry.isRunning());
            await("Keel stays open while the handler of the stopping listener runs")
                    .during(Duration.ofSeconds(3)).atMost(PATIENCE).until(() -> isOpen(keel));
            RELEASE.countDown();
            closing.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(RECEIPT.get()).as("the receipt m1 published after its listener stopped itself").isNull();
            assertThat(HANDLED).containsExactly("m1");
        });
    }

    private static boolean isOpen(Keel keel) {
        try {
            keel.publisher();
            return true;
        } catch (ClosedException e) {
            return false;
        }
    }

    /** The billing listener: m1 stops the listener, waits for the test, then publishes a receipt. */
    public static class Billing {
        private final Publisher publisher;
        private final ObjectProvider<KeelListenerRegistry> registry;
        private final String receipts;

        public Billing(Publisher publisher, ObjectProvider<KeelListenerRegistry> registry,
                       org.springframework.core.env.Environment environment) {
            this.publisher = publisher;
            this.registry = registry;
            this.receipts = environment.getRequiredProperty("test.receipts");
        }

        @KeelListener(topic = "${test.topic}", group = "billing", id = "billing")
        public void bill(Delivery<String> delivery) throws InterruptedException {
            if (delivery.payload().equals("m1")) {
                registry.getObject().stop("billing");
                STOPPED_ITSELF.countDown();
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
