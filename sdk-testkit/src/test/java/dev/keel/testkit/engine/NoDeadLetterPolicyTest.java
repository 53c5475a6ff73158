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
 * own, and a message it fails on is left unacknowledged (nothing lost) instead of dead-lettered.
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

            assertThat(broker.describeTopology(DEAD_LETTERS + ".DLT")).as("no dead-letter topic of the reader's own")
                    .isEmpty();

            // not acknowledged: a successor in the group gets it again
            keel.subscribe(reader, d -> calls.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            await().atMost(PATIENCE).until(() -> calls.get("letter-1").get() == 2);
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
