package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.StoreUnavailableException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim the store wrote but whose answer the client did not get (a reply lost, a socket timeout while the server
 * ran it) leaves the id held under this subscription's token. A graceful close that gives the message back releases
 * it as it releases a claim it got: before, it released only claims answered CLAIMED, and the group's next consumer
 * found the id BUSY for a whole lease (found by a read-only review of the Redis store).
 */
class FailedClaimReleasedAtCloseTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "lost-claim-reply";
    private static final String GROUP = "g";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
    private final CountDownLatch firstRunning = new CountDownLatch(1);
    private final CountDownLatch firstGo = new CountDownLatch(1);

    @AfterEach
    void close() {
        firstGo.countDown();
        store.close();
        broker.close();
    }

    @Test
    void aClaimWrittenButNotAnsweredShouldBeReleasedWhenTheCloseGivesItsMessageBack() throws Exception {
        FaultyIdempotencyStore replyLost = new FaultyIdempotencyStore(store);
        CountDownLatch lost = new CountDownLatch(1);
        replyLost.afterNext(FaultyIdempotencyStore.Call.CLAIM_ALL, () -> {
            lost.countDown();
            throw new StoreUnavailableException("the claims' reply was lost", null);
        });
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(replyLost).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
            // both received in one batch, so one claim call (written, its answer lost) holds both ids
            keel.publisher(TOPIC, Codec.utf8()).message("a").id("m1").key("k1").publish();
            keel.publisher(TOPIC, Codec.utf8()).message("b").id("m2").key("k2").publish();
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(1).build(), d -> {
                        if (d.id().equals("m1")) {
                            firstRunning.countDown();
                            firstGo.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                        }
                    });
            assertThat(lost.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("the claims' reply lost").isTrue();
            // m1 is claimed again and runs on the one lane; m2 waits behind it, its claim unanswered
            assertThat(firstRunning.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("m1 running").isTrue();

            var closed = subscription.closeAsync(Duration.ofSeconds(10)).toCompletableFuture();
            firstGo.countDown();
            closed.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }

        // the close waits for the releases of what it gave back (the store may be closed right after it)
        assertThat(store.claim(GROUP + ":" + TOPIC, "m2", "successor", Duration.ofMinutes(1)).status())
                .as("m2's id for the group's next consumer, right after the close").isEqualTo(ClaimResult.Status.CLAIMED);
    }
}
