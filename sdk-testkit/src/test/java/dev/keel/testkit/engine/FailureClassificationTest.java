package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.MessageHandler;
import dev.keel.NonRetriableException;
import dev.keel.StoreUnavailableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which handler failures are retried and which go to the dead letters at once
 * ({@link NonRetriableException}, {@code RetryPolicy.abortOn/retryOn}), on the in-memory broker.
 */
class FailureClassificationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Keel keel = Keel.builder(broker.connect()).build();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        keel.close();
        broker.close();
    }

    /** Five attempts with short backoff, plus the classification under test. */
    private static RetryPolicy.Builder fiveQuickAttempts() {
        return RetryPolicy.custom().maxAttempts(5).initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(20));
    }

    private void run(RetryPolicy policy, MessageHandler<String> handler, String... payloads) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(2).group("billing").build(),
                TopicSpec.builder(TOPIC + ".DLT").partitions(1).group("ops").build());
        keel.subscribe(SubscriptionConfig.builder(TOPIC, "billing", Codec.utf8()).retryPolicy(policy).build(), d -> {
            calls.computeIfAbsent(d.payload(), p -> new AtomicInteger()).incrementAndGet();
            handler.handle(d);
        });
        TypedPublisher<String> orders = keel.publisher(TOPIC, Codec.utf8());
        for (String payload : payloads) {
            orders.message(payload).id(payload).key(payload).publish();
        }
        await().atMost(PATIENCE).until(() -> broker.records(TOPIC + ".DLT").size() == payloads.length
                && broker.committedOffsets(TOPIC, "billing").values().stream().mapToLong(Long::longValue).sum()
                == payloads.length);
    }

    private Map<String, String> deadLetterOf(String id) {
        return broker.records(TOPIC + ".DLT").stream().filter(r -> r.id().equals(id)).map(StoredRecord::headers)
                .findFirst().orElseThrow(() -> new AssertionError("no dead letter for " + id));
    }

    @Test
    void handlerThrowingNonRetriableExceptionShouldRunOnceAndBeDeadLetteredWithThatCause() {
        run(fiveQuickAttempts().build(), d -> {
            throw new NonRetriableException("order has no customer");
        }, "invalid");

        assertThat(calls.get("invalid")).hasValue(1);
        assertThat(deadLetterOf("invalid"))
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, NonRetriableException.class.getName())
                .containsEntry(KeelHeaders.DLT_CAUSE_MESSAGE, "order has no customer")
                .containsEntry(KeelHeaders.DLT_ATTEMPTS, "1")
                .containsEntry(KeelHeaders.DLT_REASON, "handler");
    }

    @Test
    void abortOnShouldDeadLetterAMatchingFailureAtOnceWithItsRealCause() {
        run(fiveQuickAttempts().abortOn(IllegalArgumentException.class).build(), d -> {
            throw new NumberFormatException("total is not a number"); // a subclass of IllegalArgumentException
        }, "bad-total");

        assertThat(calls.get("bad-total")).hasValue(1);
        assertThat(deadLetterOf("bad-total"))
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, NumberFormatException.class.getName())
                .containsEntry(KeelHeaders.DLT_ATTEMPTS, "1");
    }

    @Test
    void retryOnShouldRetryAListedFailureButDeadLetterAnyOtherAtOnce() {
        run(fiveQuickAttempts().retryOn(IOException.class).build(), d -> {
            if (d.payload().equals("io")) {
                throw new IOException("billing service unreachable");
            }
            throw new IllegalStateException("ledger is inconsistent");
        }, "io", "state");

        assertThat(calls.get("io")).as("an IOException is retried up to maxAttempts").hasValue(5);
        assertThat(deadLetterOf("io")).containsEntry(KeelHeaders.DLT_CAUSE_CLASS, IOException.class.getName())
                .containsEntry(KeelHeaders.DLT_ATTEMPTS, "5");
        assertThat(calls.get("state")).as("an IllegalStateException is not retried").hasValue(1);
        assertThat(deadLetterOf("state")).containsEntry(KeelHeaders.DLT_CAUSE_CLASS, IllegalStateException.class.getName())
                .containsEntry(KeelHeaders.DLT_ATTEMPTS, "1");
    }

    @Test
    void anAbortAfterRetriesShouldRecordTheAttemptItAbortedAt() {
        run(fiveQuickAttempts().build(), d -> {
            if (d.attempt() < 3) {
                throw new IOException("timeout talking to billing");
            }
            throw new NonRetriableException("billing rejected the order for good");
        }, "rejected");

        assertThat(calls.get("rejected")).hasValue(3);
        assertThat(deadLetterOf("rejected"))
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, NonRetriableException.class.getName())
                .containsEntry(KeelHeaders.DLT_ATTEMPTS, "3");
    }

    @Test
    void aHandlerFailedByItsStoreShouldRunAgainWithoutUsingUpItsAttemptsAndNeverBeDeadLettered() {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group("billing").build());
        keel.subscribe(SubscriptionConfig.builder(TOPIC, "billing", Codec.utf8())
                .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(5)).build())
                .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(20)).build())
                .build(), d -> {
                    // the database a transactional handler writes to is away for its first four runs
                    if (calls.computeIfAbsent(d.payload(), p -> new AtomicInteger()).incrementAndGet() <= 4) {
                        throw new StoreUnavailableException("database away", null);
                    }
                });
        keel.publisher(TOPIC, Codec.utf8()).message("order").id("order").key("order").publish();

        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, "billing").getOrDefault(0, 0L) == 1L);
        assertThat(calls.get("order")).as("runs: four failed by the store, then one that succeeded").hasValue(5);
        assertThat(broker.topics().contains(TOPIC + ".DLT") ? broker.records(TOPIC + ".DLT") : java.util.List.of())
                .as("dead letters").isEmpty();
    }
}
