package dev.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.RecordMappingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Records an adapter hands over unmapped ({@link InboundRecord#deferred}): the adapter's receiving thread only
 * queues them, and each is mapped in its lane. What that must not change: a record that cannot be mapped fails the
 * subscription with a typed error (as a mapping failure on the adapter's thread did) instead of leaving a gap that
 * holds the partition's commit for good; a revoke drops the records still queued unmapped and runs none of them; a
 * record that waits behind its key's previous message is mapped as it is queued, so that it holds no memory of the
 * adapter's fetch while its key is held back.
 */
class DeferredMappingTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aRecordThatCannotBeMappedInItsLaneShouldFailTheSubscriptionAndAcknowledgeNothingAfterIt() throws Exception {
        AtomicSink sink = new AtomicSink();
        Set<Long> acked = ConcurrentHashMap.newKeySet();
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink.ref)).withoutIdempotencyStore().build()) {
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(4).build(), d -> handled.add(d.payload()));
            await().atMost(WAIT).until(() -> sink.ref.get() != null);
            IllegalStateException defect = new IllegalStateException("a defect of the adapter's mapping");
            sink.ref.get().accept(List.of(
                    deferred(0, "k", "k:0", acked),
                    InboundRecord.deferred("t", "0", 1, "k", 1, 0, () -> acked.add(1L), () -> {
                        throw defect;
                    }),
                    deferred(2, "k", "k:2", acked)));

            await().atMost(WAIT).alias("the subscription failed on the record it cannot map")
                    .until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(RecordMappingException.class)
                    .satisfies(e -> assertThat(e.getCause()).isSameAs(defect))
                    .satisfies(e -> assertThat(e.getMessage()).contains("position 1", "partition 0")
                            .doesNotContain("a defect of the adapter's mapping"));
            assertThat(handled).containsExactly("k:0");
            assertThat(acked).as("acknowledged: the record before, not the unmappable one nor the one after it")
                    .containsExactly(0L);
        }
    }

    @Test
    void aRevokeShouldDropTheRecordsQueuedUnmappedInTheirLanesAndRunNoneOfThem() throws Exception {
        AtomicSink sink = new AtomicSink();
        Set<Long> acked = ConcurrentHashMap.newKeySet();
        Set<Long> mapped = ConcurrentHashMap.newKeySet();
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink.ref)).withoutIdempotencyStore().build()) {
            keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(1).build(), d -> {
                        handled.add(d.payload());
                        if (d.payload().equals("k0:0")) {
                            firstRunning.countDown();
                            releaseFirst.await(30, TimeUnit.SECONDS);
                        }
                    });
            await().atMost(WAIT).until(() -> sink.ref.get() != null);
            List<InboundRecord> records = new ArrayList<>();
            for (int i = 0; i < 50; i++) { // one key each: none waits behind its key, all wait for the one lane
                records.add(counted(i, "k" + i, acked, mapped));
            }
            sink.ref.get().accept(records);
            assertThat(firstRunning.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(mapped).as("mapped while the lane is busy: only the running one").containsExactly(0L);

            var revoked = sink.ref.get().revoke(List.of("0")).toCompletableFuture();
            assertThat(revoked).isNotDone(); // the running handler finishes first
            releaseFirst.countDown();
            revoked.get(30, TimeUnit.SECONDS);

            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> handled.size() == 1);
            assertThat(handled).containsExactly("k0:0");
            assertThat(acked).as("the running one finished and was acknowledged; the queued ones were dropped")
                    .containsExactly(0L);
            assertThat(mapped).as("the dropped ones were never mapped").containsExactly(0L);
        }
    }

    @Test
    void aRecordWaitingBehindItsKeyShouldBeMappedWhenQueued() throws Exception {
        AtomicSink sink = new AtomicSink();
        Set<Long> acked = ConcurrentHashMap.newKeySet();
        Map<Long, Thread> mappedOn = new ConcurrentHashMap<>();
        CountDownLatch release = new CountDownLatch(1);
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink.ref)).withoutIdempotencyStore().build()) {
            keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(4).build(), d -> {
                        if (d.payload().equals("slow:0")) {
                            release.await(30, TimeUnit.SECONDS);
                        }
                        handled.add(d.payload());
                    });
            await().atMost(WAIT).until(() -> sink.ref.get() != null);
            List<InboundRecord> records = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long position = i;
                records.add(InboundRecord.deferred("t", "0", position, "slow", 1, 0, () -> acked.add(position), () -> {
                    mappedOn.put(position, Thread.currentThread());
                    return new InboundRecord.Content("id-" + position, Map.of(),
                            ("slow:" + position).getBytes(StandardCharsets.UTF_8), Instant.EPOCH);
                }));
            }
            try {
                sink.ref.get().accept(records);
                assertThat(mappedOn.get(1L)).as("the key's second record, mapped by the thread that handed it over")
                        .isSameAs(Thread.currentThread());
                assertThat(mappedOn.get(2L)).isSameAs(Thread.currentThread());
            } finally {
                release.countDown();
            }
            await().atMost(WAIT).until(() -> acked.size() == 3);
            assertThat(handled).containsExactly("slow:0", "slow:1", "slow:2");
        }
    }

    private static InboundRecord deferred(long position, String key, String payload, Set<Long> acked) {
        return InboundRecord.deferred("t", "0", position, key, 1, 0, () -> acked.add(position),
                () -> new InboundRecord.Content("id-" + position, Map.of(), payload.getBytes(StandardCharsets.UTF_8),
                        Instant.EPOCH));
    }

    private static InboundRecord counted(long position, String key, Set<Long> acked, Set<Long> mapped) {
        return InboundRecord.deferred("t", "0", position, key, 1, 0, () -> acked.add(position), () -> {
            mapped.add(position);
            return new InboundRecord.Content("id-" + position, Map.of(),
                    (key + ":" + position).getBytes(StandardCharsets.UTF_8), Instant.EPOCH);
        });
    }

    private static final class AtomicSink {
        final java.util.concurrent.atomic.AtomicReference<DeliverySink> ref =
                new java.util.concurrent.atomic.AtomicReference<>();
    }
}
