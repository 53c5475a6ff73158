package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.StoreUnavailableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.ForwardingIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A copy re-driven by an earlier Keel names no group ({@link KeelHeaders#REDRIVEN_GROUP} absent): Keel first probes
 * its id and takes it only where it is dead. When the store runs the taking claim and its reply is lost, the claim is
 * asked again with the same token; it must find its own claim, not probe again and read its own claim as "not dead"
 * (the copy would be acknowledged unrun, and its dead mark, replaced by the probe's 1 ms lease, gone).
 */
class EarlierKeelRedriveLostReplyTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aCopyOfAnEarlierKeelWhoseTakingClaimLostItsReplyShouldStillRunOnce() throws Exception {
        LosesFirstRedrivenReply store = new LosesFirstRedrivenReply(new InMemoryIdempotencyStore());
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger applied = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .retryPolicy(RetryPolicy.custom().maxAttempts(1).build())
                    .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(100)).build())
                    .build(), d -> {
                        if (failing.get()) {
                            throw new IllegalStateException("not yet");
                        }
                        applied.incrementAndGet();
                    });
            await("the first delivery dead-lettered").atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(broker.records(TOPIC + ".DLT")).hasSize(1);

            failing.set(false);
            store.armed.set(true);
            BrokerProducer producer = broker.connect().producer();
            // what an earlier Keel's re-drive published: the id, the re-drive's time, and no group
            producer.send(new OutboundRecord(TOPIC, "m-0", "k", Map.of(KeelHeaders.ID, "m-0", KeelHeaders.KEY, "k",
                    KeelHeaders.REDRIVEN_AT, Instant.now().toString()), "m".getBytes(StandardCharsets.UTF_8),
                    Instant.now())).toCompletableFuture().join();

            await("the copy acknowledged").atMost(PATIENCE).until(() -> committed() == 2);
            assertThat(store.lost.get()).as("taking claims whose reply was lost").isEqualTo(1);
            assertThat(applied.get()).as("the re-driven copy's effects").isEqualTo(1);
        }
    }

    private long committed() {
        return broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L);
    }

    /** Runs the first re-driven claim on the store, then loses its reply, as a timeout after Redis ran it would. */
    private static final class LosesFirstRedrivenReply extends ForwardingIdempotencyStore {
        final AtomicBoolean armed = new AtomicBoolean();
        final AtomicInteger lost = new AtomicInteger();

        LosesFirstRedrivenReply(IdempotencyStore delegate) {
            super(delegate);
        }

        private void loseIfArmed() {
            if (armed.compareAndSet(true, false)) {
                lost.incrementAndGet();
                throw new StoreUnavailableException("the reply to a re-driven claim was lost (injected fault)", null);
            }
        }

        @Override
        public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
            ClaimResult result = super.claimRedriven(namespace, id, token, lease);
            loseIfArmed();
            return result;
        }

        @Override
        public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
            List<ClaimResult> results = super.claimAllRedriven(namespace, claims, lease);
            loseIfArmed();
            return results;
        }
    }
}
