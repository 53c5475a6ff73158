package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.Publisher;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListenerEndpoint;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * One context shutdown closes its listeners in parallel: two listeners, each with a message in flight whose handler
 * finishes only once closing has started on both subscriptions. Closed one after the other, the first handler would
 * wait for a close that starts only after its own close timed out. On the in-memory broker.
 */
class ListenerShutdownParallelTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
    /** Longer than one close timeout: a handler of a sequential shutdown would still be waiting when it ends. */
    private static final Duration HANDLER_PATIENCE = Duration.ofSeconds(25);

    private final AtomicReference<Map<String, Subscription>> subscriptions = new AtomicReference<>(Map.of());
    private final CountDownLatch bothInFlight = new CountDownLatch(2);
    private final Map<String, Boolean> sawBothClosing = new ConcurrentHashMap<>();

    @Test
    void twoListenersShouldCloseInParallelWithinOneShutdown() {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withPropertyValues("keel.topics.orders.partitions=1")
                .withBean("billing", KeelListenerEndpoint.class, () -> endpoint("billing"))
                .withBean("audit", KeelListenerEndpoint.class, () -> endpoint("audit"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    subscriptions.set(context.getBean(KeelListenerRegistry.class).subscriptions());
                    assertThat(subscriptions.get()).containsOnlyKeys("billing", "audit");
                    context.getBean(Publisher.class).publish("orders", Message.builder("o-1", Codec.utf8()).build());
                    assertThat(bothInFlight.await(30, TimeUnit.SECONDS)).as("both handlers running").isTrue();

                    long start = System.nanoTime();
                    context.close();
                    Duration took = Duration.ofNanos(System.nanoTime() - start);

                    assertThat(sawBothClosing).as("each handler saw closing started on both subscriptions while it ran")
                            .containsExactlyInAnyOrderEntriesOf(Map.of("billing", true, "audit", true));
                    assertThat(subscriptions.get().values()).extracting(Subscription::state)
                            .containsOnly(Subscription.State.CLOSED);
                    assertThat(took).as("both closed within one close timeout, far below the sum of two")
                            .isLessThan(CLOSE_TIMEOUT);
                });
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private KeelListenerEndpoint endpoint(String id) {
        MessageHandler<String> handler = delivery -> {
            bothInFlight.countDown();
            boolean both;
            try {
                // closing started on both: CLOSING, or already CLOSED once the other handler returned
                await().atMost(HANDLER_PATIENCE).until(() -> subscriptions.get().size() == 2
                        && subscriptions.get().values().stream().noneMatch(s -> s.state() == Subscription.State.RUNNING));
                both = true;
            } catch (ConditionTimeoutException e) {
                both = false;
            }
            sawBothClosing.put(id, both);
        };
        return KeelListenerEndpoint.of(id, SubscriptionConfig.builder("orders", id, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).closeTimeout(CLOSE_TIMEOUT).build(), handler);
    }
}
