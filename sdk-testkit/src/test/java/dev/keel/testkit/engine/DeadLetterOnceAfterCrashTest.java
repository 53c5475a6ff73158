package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.Crash;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A consumer that crashes after its dead letter was confirmed but before the original was
 * acknowledged: under EFFECTIVELY_ONCE the redelivery is a duplicate (the id was marked done by
 * the dead letter), so the message is dead-lettered once; under AT_LEAST_ONCE it is dead-lettered
 * again, a copy with the same {@code keel-id}.
 */
class DeadLetterOnceAfterCrashTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String DLT = TOPIC + ".DLT";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final LostAckAdapter adapter = new LostAckAdapter(broker.connect(), "poison");
    private final FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());
    private final Keel keel = Keel.builder(adapter).idempotencyStore(store).build();
    private final AtomicInteger poisonRuns = new AtomicInteger();

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
        broker.close();
    }

    private Subscription subscribe(DeliveryGuarantee guarantee) {
        return keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).guarantee(guarantee)
                .retryPolicy(RetryPolicy.none()).build(), d -> {
                    poisonRuns.incrementAndGet();
                    throw new IllegalStateException("poison");
                });
    }

    /** Publishes the poison message, lets the first consumer dead-letter it and crash before its ack. */
    private void deadLetterThenCrashBeforeTheAck(DeliveryGuarantee guarantee) throws Exception {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build(),
                TopicSpec.builder(DLT).partitions(1).group("ops").build());
        keel.publisher().publish(TOPIC, Message.builder("bad", Codec.utf8()).id("poison").key("k").build());
        Subscription doomed = subscribe(guarantee);
        adapter.ackLost().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(broker.records(DLT)).as("dead letter confirmed before the (lost) ack").hasSize(1);
        Crash.crash(doomed).toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L)).as("nothing acknowledged").isZero();
    }

    @Test
    void effectivelyOnceShouldDeadLetterAPoisonMessageOnceAcrossACrashBeforeItsAck() throws Exception {
        deadLetterThenCrashBeforeTheAck(DeliveryGuarantee.EFFECTIVELY_ONCE);
        int runsBeforeTheSuccessor = poisonRuns.get();

        subscribe(DeliveryGuarantee.EFFECTIVELY_ONCE);

        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L) == 1L);
        assertThat(broker.records(DLT)).as("one dead letter for one poison id").extracting(StoredRecord::id)
                .containsExactly("poison");
        assertThat(poisonRuns.get()).as("the successor acknowledges the redelivery as a duplicate, unhandled")
                .isEqualTo(runsBeforeTheSuccessor);
    }

    @Test
    void atLeastOnceShouldDeadLetterAPoisonMessageAgainAfterACrashBeforeItsAckWithTheSameId() throws Exception {
        deadLetterThenCrashBeforeTheAck(DeliveryGuarantee.AT_LEAST_ONCE);

        subscribe(DeliveryGuarantee.AT_LEAST_ONCE);

        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L) == 1L);
        assertThat(broker.records(DLT)).as("the documented limit: dead-letter readers deduplicate by keel-id")
                .extracting(StoredRecord::id).containsExactly("poison", "poison");
    }

    @Test
    void effectivelyOnceShouldAcknowledgeADeadLetteredMessageOnlyOnceItsIdIsMarkedDone() {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build(),
                TopicSpec.builder(DLT).partitions(1).group("ops").build());
        keel.publisher().publish(TOPIC, Message.builder("bad", Codec.utf8()).id("poison-2").key("k").build());
        store.failCompletions();

        subscribe(DeliveryGuarantee.EFFECTIVELY_ONCE);

        await().atMost(PATIENCE).until(() -> broker.records(DLT).size() == 1);
        await().during(Duration.ofMillis(1_500)).atMost(PATIENCE)
                .until(() -> broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L) == 0L);
        store.up();
        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L) == 1L);
        assertThat(store.claim(GROUP + ":" + TOPIC, "poison-2", "someone-else", IdempotencyPolicy.DEFAULT_LEASE).status())
                .as("the dead-lettered id is done").isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(broker.records(DLT)).hasSize(1);
    }
}
