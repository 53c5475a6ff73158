package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.StoreUnavailableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A handler can throw an exception that cannot describe itself: its {@code getMessage()} or {@code toString()}
 * throws (a message built from a lazy proxy, a closed resource, a bug). Keel logs and dead-letters the failure by
 * describing it; a description that throws must not take the message's retries, dead letter and acknowledgement with
 * it. The failure's class still decides whether it is retried.
 */
class UndescribableHandlerFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aFailureWhoseMessageThrowsShouldBeRetriedThenDeadLetteredAndAcknowledged() {
        AtomicInteger attempts = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build()),
                    d -> {
                        attempts.incrementAndGet();
                        throw new SelfUndescribing();
                    });

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(attempts.get()).as("attempts: all three the policy allows").isEqualTo(3);
            List<StoredRecord> letters = broker.records(TOPIC + ".DLT");
            assertThat(letters).as("dead letters").hasSize(1);
            assertThat(letters.get(0).headers().get(KeelHeaders.DLT_CAUSE_CLASS))
                    .as("the dead letter's cause class").isEqualTo(SelfUndescribing.class.getName());
        }
    }

    @Test
    void anUndescribableFailureOfAClassNotRetriedShouldBeDeadLetteredAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config(RetryPolicy.custom().maxAttempts(5).initialBackoff(Duration.ofMillis(10))
                    .abortOn(SelfUndescribing.class).build()), d -> {
                        attempts.incrementAndGet();
                        throw new SelfUndescribing();
                    });

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(attempts.get()).as("attempts: the policy aborts on its class").isEqualTo(1);
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").hasSize(1);
        }
    }

    /**
     * A handler's store outage ({@link StoreUnavailableException}) is never dead-lettered: the consumer pauses and runs
     * the message again. One whose cause cannot describe itself (an ORM exception read from a closed session) is
     * still that outage.
     */
    @Test
    void aStoreOutageWithAnUndescribableCauseShouldStillPauseAndNotBeDeadLettered() {
        AtomicInteger attempts = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(10)).build())
                    .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(50)).build())
                    .build(), d -> {
                        if (attempts.incrementAndGet() <= 3) {
                            throw new StoreUnavailableException("the orders database is down", new SelfUndescribing());
                        }
                    });

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(attempts.get()).as("runs: three during the outage, then the one that succeeded").isEqualTo(4);
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
        }
    }

    private void declare(Keel keel) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
    }

    private SubscriptionConfig<String> config(RetryPolicy retries) {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).retryPolicy(retries).build();
    }

    private long committed() {
        return broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L);
    }

    /** An exception whose every description throws, as one whose message reads a closed resource does. */
    static final class SelfUndescribing extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("the message's source is closed");
        }

        @Override
        public String getLocalizedMessage() {
            throw new IllegalStateException("the message's source is closed");
        }

        @Override
        public String toString() {
            throw new IllegalStateException("the message's source is closed");
        }
    }
}
