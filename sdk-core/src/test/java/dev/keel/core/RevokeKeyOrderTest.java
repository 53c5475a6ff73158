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
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
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
import java.util.function.IntSupplier;
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

    /**
     * The same with a key's first message waiting for its id, which another consumer holds (BUSY, off its lane):
     * giving that message up completed its wait at once, and before this fix the key's next message, not yet marked
     * dropped, started on the revoked partition; its redelivery then found it done, after its predecessor's
     * redelivery had run, so the key ran out of order ({@code keel verify --broker rabbit --faults
     * crash,channel-close}: 'seq 31 (by consumer 3, attempt 3) applied after seq 32 by consumer 2, attempt 2').
     */
    @Test
    void revokeShouldDropTheMessagesWaitingBehindABusyOneInsteadOfStartingThem() throws Exception {
        Queue<String> ranAfterRevoke = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < ROUNDS; round++) {
            String keyPrefix = "r" + round + "k";
            AtomicReference<DeliverySink> sink = new AtomicReference<>();
            AtomicInteger busy = new AtomicInteger();
            InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(Clock.systemUTC());
            for (int k = 0; k < KEYS; k++) {
                store.claim("g:t", keyPrefix + k + "-1", "another-consumer", Duration.ofMinutes(5));
            }
            try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink)).idempotencyStore(store)
                    .metrics(countingBusy(busy)).build()) {
                keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                        .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(32).maxInFlight(10_000).build(),
                        d -> ranAfterRevoke.add(d.payload()));
                await().until(() -> sink.get() != null);
                sink.get().accept(records(keyPrefix));
                // every key's first message waits for its id; the later ones wait behind it
                await().until(() -> busy.get() >= KEYS);

                sink.get().revoke(List.of("0")).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(ranAfterRevoke).as("messages of the revoked partition that ran (their predecessor was given up)")
                .isEmpty();
    }

    private static MetricsRecorder countingBusy(AtomicInteger busy) {
        return new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                if (event == MetricEvent.CLAIM_BUSY) {
                    busy.incrementAndGet();
                }
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
            }
        };
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
