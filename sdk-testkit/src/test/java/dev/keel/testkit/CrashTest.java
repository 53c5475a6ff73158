package dev.keel.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Crash#crash}: a crashed subscription acknowledges nothing more and leaves its work to the group. */
class CrashTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final InMemoryBroker first = broker.connect();
    private final InMemoryBroker second = broker.connect();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch m5Running = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        first.close();
        second.close();
        broker.close();
    }

    @Test
    void crashedSubscriptionShouldAcknowledgeNothingMoreAndLeaveTheRestToTheGroup() throws Exception {
        List<String> handledByFirst = new CopyOnWriteArrayList<>();
        List<String> handledBySecond = new CopyOnWriteArrayList<>();
        try (Keel doomed = Keel.builder(first).build(); Keel successor = Keel.builder(second).build()) {
            doomed.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
            Subscription subscription = doomed.subscribe(config(), d -> {
                if (d.id().equals("m5")) {
                    m5Running.countDown();
                    release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                }
                handledByFirst.add(d.id());
            });
            for (int i = 0; i < 10; i++) {
                doomed.publisher().publishAsync(TOPIC, Message.builder("m" + i, Codec.utf8()).id("m" + i).key("k").build())
                        .toCompletableFuture().join();
            }
            await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP).get(0) == 5L);
            // crashed before m5's handler started, the subscription would drop m5 unrun (a loaded machine did)
            assertThat(m5Running.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("m5's handler started").isTrue();

            Crash.crash(subscription).toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(broker.memberCount(TOPIC, GROUP)).as("members after the crash").isZero();
            release.countDown();
            await().atMost(PATIENCE).until(() -> handledByFirst.contains("m5"));
            successor.subscribe(config(), d -> handledBySecond.add(d.id()));

            List<String> rest = IntStream.range(5, 10).mapToObj(i -> "m" + i).toList();
            await().atMost(PATIENCE).until(() -> handledBySecond.containsAll(rest));
            assertThat(handledByFirst).containsExactly("m0", "m1", "m2", "m3", "m4", "m5");
            assertThat(handledBySecond).containsExactlyElementsOf(rest);
        }
    }

    @Test
    void crashOfASubscriptionNotStartedByKeelShouldFail() {
        Subscription foreign = new Subscription() {
            @Override
            public String topic() {
                return TOPIC;
            }

            @Override
            public String group() {
                return GROUP;
            }

            @Override
            public State state() {
                return State.RUNNING;
            }

            @Override
            public void close(Duration timeout) {
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> closeAsync(Duration timeout) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {
            }
        };

        assertThatThrownBy(() -> Crash.crash(foreign)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Keel.subscribe");
    }

    private static SubscriptionConfig<String> config() {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
