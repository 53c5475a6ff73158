package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testkit.Crash;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * README's recipe for a failed subscription is "subscribe again to resume". What {@code Keel.subscriptions()}
 * lists (and so the health built on it) and what the gauges read must follow the subscription that runs now,
 * not the one that failed or was closed.
 */
class ResubscribeAfterFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aFailedSubscriptionReplacedByANewOneOfItsTopicAndGroupShouldNoLongerBeListed() throws Exception {
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            Subscription failed = keel.subscribe(config(), d -> { });
            Crash.crash(failed).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(keel.subscriptions()).extracting(Subscription::state).containsExactly(Subscription.State.FAILED);

            Subscription again = keel.subscribe(config(), d -> { });

            assertThat(keel.subscriptions()).as("only the live subscription").containsExactly(again);
            assertThat(failed.state()).as("the failed one still says why it stopped").isEqualTo(Subscription.State.FAILED);
        }
    }

    @Test
    void aFailedSubscriptionThatTheApplicationClosedShouldNoLongerBeListed() throws Exception {
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            Subscription failed = keel.subscribe(config(), d -> { });
            Crash.crash(failed).toCompletableFuture().get(30, TimeUnit.SECONDS);

            failed.close();

            assertThat(keel.subscriptions()).isEmpty();
        }
    }

    @Test
    void theGaugesShouldReadTheSubscriptionThatRunsNowAfterAResubscribe() {
        Gauges gauges = new Gauges();
        CountDownLatch release = new CountDownLatch(1);
        try (Keel keel = Keel.builder(broker.connect()).metrics(gauges).build()) {
            declare(keel);
            keel.subscribe(config(), d -> { }).close();
            keel.subscribe(config(), d -> release.await());
            for (int i = 0; i < 5; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k").publish();
            }

            try {
                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(gauges.read("inFlight")).as("keel.in_flight").isEqualTo(5);
                    assertThat(gauges.read(MetricGauge.UNACKNOWLEDGED.name())).as("keel.unacknowledged").isEqualTo(5);
                });
            } finally {
                release.countDown();
            }
        }
    }

    private void declare(Keel keel) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
    }

    private static SubscriptionConfig<String> config() {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).closeTimeout(Duration.ofSeconds(1)).build();
    }

    /** A registry that, like Micrometer's, keeps the first gauge registered under a name and ignores later ones. */
    private static final class Gauges implements MetricsRecorder {
        private final Map<String, IntSupplier> first = new ConcurrentHashMap<>();

        @Override
        public void count(MetricEvent event, String topic, String group) {
        }

        @Override
        public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        }

        @Override
        public void inFlight(String topic, String group, IntSupplier inFlight) {
            first.putIfAbsent("inFlight", inFlight);
        }

        @Override
        public void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
            first.putIfAbsent(gauge.name(), value);
        }

        int read(String name) {
            return first.get(name).getAsInt();
        }
    }
}
