package dev.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A partition revoked (or lost) while a key's first message is being marked done and its next
 * messages wait for it: every waiting message of the partition must be dropped, none may start.
 * Found by {@code KafkaNetworkFaultTest} (sdk-kafka): after the group dropped the consumer, a key's
 * message ran before its predecessor, which came again only with the redelivery.
 */
class RevokeKeyOrderTest {

    private static final int ROUNDS = 30;
    private static final int KEYS = 8;
    private static final int PER_KEY = 20;

    @Test
    void revokeShouldDropTheWaitingMessagesOfAKeyInsteadOfStartingThem() throws Exception {
        Queue<String> ranAfterRevoke = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < ROUNDS; round++) {
            String keyPrefix = "r" + round + "k";
            AtomicReference<DeliverySink> sink = new AtomicReference<>();
            CountDownLatch markingDone = new CountDownLatch(1);
            AtomicInteger firstHandled = new AtomicInteger();
            AtomicInteger firstMarking = new AtomicInteger();
            IdempotencyStore store = slowToMarkFirstMessagesDone(markingDone, firstMarking);
            try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink)).idempotencyStore(store).build()) {
                keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                        .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(32).maxInFlight(10_000).build(), d -> {
                            if (d.payload().endsWith(":1")) {
                                firstHandled.incrementAndGet();
                            } else {
                                ranAfterRevoke.add(d.payload());
                            }
                        });
                await().until(() -> sink.get() != null);
                sink.get().accept(records(keyPrefix));
                // every key's first message ran and is being marked done; the later ones wait for it
                await().until(() -> firstHandled.get() == KEYS && firstMarking.get() > 0);
                CompletionStage<Void> revoked = sink.get().revoke(List.of("0"));
                markingDone.countDown();
                revoked.toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(ranAfterRevoke).as("messages of the revoked partition that ran (their predecessor was dropped)")
                .isEmpty();
    }

    private static List<InboundRecord> records(String keyPrefix) {
        List<InboundRecord> records = new ArrayList<>();
        long position = 0;
        for (int seq = 1; seq <= PER_KEY; seq++) {
            for (int k = 0; k < KEYS; k++) {
                String key = keyPrefix + k;
                records.add(new InboundRecord("t", "0", position++, key + "-" + seq, key, Map.of(),
                        (key + ":" + seq).getBytes(StandardCharsets.UTF_8), Instant.now(), 1, () -> { }));
            }
        }
        return records;
    }

    /** An in-memory store that marks a key's first message done only once {@code markingDone} opens. */
    private static IdempotencyStore slowToMarkFirstMessagesDone(CountDownLatch markingDone, AtomicInteger marking) {
        InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(Clock.systemUTC());
        return new IdempotencyStore() {
            @Override
            public ClaimResult claim(String namespace, String id, String token, Duration lease) {
                return memory.claim(namespace, id, token, lease);
            }

            @Override
            public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
                if (id.endsWith("-1")) {
                    marking.incrementAndGet();
                    try {
                        markingDone.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return memory.complete(namespace, id, token, retention);
            }

            @Override
            public LeaseOutcome release(String namespace, String id, String token) {
                return memory.release(namespace, id, token);
            }

            @Override
            public void close() {
            }
        };
    }
}
