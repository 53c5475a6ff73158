package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.NonRetriableException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code DeadLetterPolicy.none()}: a reader of a dead-letter topic gets no dead-letter topic of its
 * own, and a message it fails on is not dead-lettered: it stays unacknowledged (nothing lost) and is
 * handled again with backoff until it succeeds, holding back its key's later messages.
 */
class NoDeadLetterPolicyTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String DEAD_LETTERS = "orders.DLT";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aSubscriptionWithoutDeadLettersShouldEnsureNoDeadLetterTopicAndLeaveAFailedMessageForRedelivery() {
        SubscriptionConfig<String> reader = SubscriptionConfig.builder(DEAD_LETTERS, "ops", Codec.utf8())
                .retryPolicy(RetryPolicy.none()).deadLetterPolicy(DeadLetterPolicy.none()).build();
        try (Keel keel = Keel.builder(broker).build()) {
            keel.ensureTopology(TopicSpec.builder(DEAD_LETTERS).partitions(1).group("ops").build());
            Subscription failing = keel.subscribe(reader, d -> {
                calls.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                throw new NonRetriableException("cannot handle " + d.id() + " yet");
            });
            keel.publisher(DEAD_LETTERS, Codec.utf8()).message("letter").id("letter-1").key("k").publish();
            await().atMost(PATIENCE).until(() -> calls.containsKey("letter-1"));
            failing.close();
            int beforeClose = calls.get("letter-1").get(); // handled again with backoff until the close

            assertThat(broker.describeTopology(DEAD_LETTERS + ".DLT")).as("no dead-letter topic of the reader's own")
                    .isEmpty();

            // not acknowledged: a successor in the group gets it again
            keel.subscribe(reader, d -> calls.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            await().atMost(PATIENCE).until(() -> calls.get("letter-1").get() == beforeClose + 1);
        }
    }

    /**
     * With no dead letters to end a failing message, its key stays blocked behind it: the key's later
     * messages wait while it is handled again with backoff, and once it succeeds they follow in
     * order. Before, it was dropped unacknowledged and the key's next messages ran at once
     * ({@code [m0:FAIL, m0:FAIL, m1, m2]}), then ran again after a restart.
     */
    @Test
    void aFailingMessageShouldHoldBackItsKeyUntilItSucceedsAndTheRestFollowInOrder() {
        SubscriptionConfig<String> reader = SubscriptionConfig.builder(DEAD_LETTERS, "ops", Codec.utf8())
                .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(10)).build())
                .deadLetterPolicy(DeadLetterPolicy.none()).build();
        java.util.List<String> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean fixed = new java.util.concurrent.atomic.AtomicBoolean();
        try (Keel keel = Keel.builder(broker).build()) {
            keel.ensureTopology(TopicSpec.builder(DEAD_LETTERS).partitions(1).group("ops").build());
            for (int i = 0; i < 3; i++) {
                keel.publisher(DEAD_LETTERS, Codec.utf8()).message("letter").id("m" + i).key("k").publish();
            }
            keel.publisher(DEAD_LETTERS, Codec.utf8()).message("letter").id("other").key("j").publish();
            keel.subscribe(reader, d -> {
                if (d.id().equals("m0") && !fixed.get()) {
                    runs.add("m0:FAIL");
                    throw new IllegalStateException("downstream not ready");
                }
                runs.add(d.id());
            });
            // handled again after its attempts ran out, or (the defect) its key moved on
            await().atMost(PATIENCE).until(() -> runs.contains("other")
                    && (runs.stream().filter("m0:FAIL"::equals).count() >= 3 || runs.contains("m1")));
            assertThat(runs).as("the key's later messages wait behind its failing one; other keys go on")
                    .doesNotContain("m1", "m2");

            fixed.set(true);
            await().atMost(PATIENCE).until(() -> runs.contains("m2"));
            assertThat(runs.stream().filter(r -> !r.contains("FAIL") && !r.equals("other")).toList())
                    .containsExactly("m0", "m1", "m2");
            await().atMost(PATIENCE).until(() -> broker.committedOffsets(DEAD_LETTERS, "ops").getOrDefault(0, 0L) == 4);
        }
    }

    @Test
    void noneShouldBeAValueOfItsOwn() {
        assertThat(DeadLetterPolicy.none()).isEqualTo(DeadLetterPolicy.none())
                .isNotEqualTo(DeadLetterPolicy.ofDefaults()).hasToString("DeadLetterPolicy{none}");
        assertThat(DeadLetterPolicy.none().isEnabled()).isFalse();
        assertThat(DeadLetterPolicy.ofDefaults().isEnabled()).isTrue();
        assertThat(DeadLetterPolicy.none().destinationFor("orders")).isEmpty();
    }
}
