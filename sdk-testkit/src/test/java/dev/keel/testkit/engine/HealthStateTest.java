package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.StoreUnavailableException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.testkit.Crash;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a health check reads: {@link Subscription#state()}, {@link Keel#publisherState()},
 * {@link Keel#subscriptions()} and {@link dev.keel.dedup.IdempotencyStore#ping()}.
 */
class HealthStateTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final InMemoryBroker client = broker.connect();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        client.close();
        broker.close();
    }

    @Test
    void subscriptionShouldReportRunningThenClosingWhileItDrainsThenClosed() throws Exception {
        try (Keel keel = Keel.builder(client).build()) {
            declare(keel);
            CountDownLatch started = new CountDownLatch(1);
            Subscription subscription = keel.subscribe(config(DeliveryGuarantee.AT_LEAST_ONCE), d -> {
                started.countDown();
                release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            });
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
            assertThat(keel.subscriptions()).containsExactly(subscription);
            publish(keel, "m1");
            assertThat(started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            var closing = subscription.closeAsync(PATIENCE).toCompletableFuture();
            assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSING);
            release.countDown();
            closing.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
            assertThat(keel.subscriptions()).as("closed subscriptions are not listed").isEmpty();
        }
    }

    @Test
    void storeOutageShouldReportPausedUntilTheStoreReturns() {
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());
        try (Keel keel = Keel.builder(client).idempotencyStore(store).build()) {
            declare(keel);
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(50)).build())
                    .build(), d -> { });
            store.down();
            publish(keel, "m1");
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.PAUSED);

            store.up();
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.RUNNING);
        } finally {
            store.close();
        }
    }

    @Test
    void crashedSubscriptionShouldReportFailed() throws Exception {
        try (Keel keel = Keel.builder(client).build()) {
            declare(keel);
            Subscription subscription = keel.subscribe(config(DeliveryGuarantee.AT_LEAST_ONCE), d -> { });
            Crash.crash(subscription).toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(subscription.state()).isEqualTo(Subscription.State.FAILED);
            assertThat(keel.subscriptions()).as("a failed subscription stays listed").containsExactly(subscription);
        }
    }

    @Test
    void repeatedRetriableFailuresShouldReportTheCircuitOpenUntilItsOpenDurationPassed() {
        MutableClock clock = new MutableClock();
        PublisherConfig config = PublisherConfig.custom().minimumCalls(2).maxAttempts(1)
                .openDuration(Duration.ofMinutes(5)).build();
        try (Keel keel = Keel.builder(client).clock(clock).publisherConfig(config).build()) {
            declare(keel);
            assertThat(keel.publisherState()).as("before the first publish").isEqualTo(PublisherState.ACCEPTING);
            broker.faults().failNextPublishes(2, new BrokerUnavailableException("broker down", null));
            for (int i = 0; i < 2; i++) {
                String id = "m" + i;
                assertThatThrownBy(() -> publish(keel, id)).isInstanceOf(BrokerUnavailableException.class);
            }

            assertThat(keel.publisherState()).isEqualTo(PublisherState.CIRCUIT_OPEN);
            clock.advance(Duration.ofMinutes(5));
            assertThat(keel.publisherState()).as("the next publish is a trial")
                    .isEqualTo(PublisherState.CIRCUIT_HALF_OPEN);
        }
    }

    @Test
    void closedKeelShouldReportItsPublisherClosed() {
        Keel keel = Keel.builder(client).build();
        declare(keel);
        publish(keel, "m1");
        assertThat(keel.publisherState()).isEqualTo(PublisherState.ACCEPTING);
        keel.close();
        assertThat(keel.publisherState()).isEqualTo(PublisherState.CLOSED);
    }

    @Test
    void pingShouldAnswerWhileTheStoreIsUpAndThrowWhileItIsDown() {
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());
        store.ping();
        store.down();
        assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class);
        store.up();
        store.ping();
        assertThat(store.completedIds()).as("a ping changes nothing").isEmpty();
    }

    private static void declare(Keel keel) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
    }

    private static void publish(Keel keel, String id) {
        keel.publisher().publish(TOPIC, Message.builder(id, Codec.utf8()).id(id).build());
    }

    private static SubscriptionConfig<String> config(DeliveryGuarantee guarantee) {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).guarantee(guarantee).build();
    }
}
