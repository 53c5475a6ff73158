package dev.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.KeyHash;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Key-ordered work is scheduled per key: any key with work ready runs on any free lane, at most
 * {@code lanes} at once, each key's messages one at a time and in order. Before, a key was bound to
 * lane {@code hash(key) mod lanes}, so a slow key held back every key that hashed to its lane.
 */
class PerKeySchedulingTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aSlowKeyShouldNotDelayAnotherKeyThatHashesToTheSameLane() throws Exception {
        int lanes = 4;
        String slow = "slow";
        String other = keyOnSameLaneAs(slow, lanes);
        AtomicReference<DeliverySink> sink = new AtomicReference<>();
        CountDownLatch release = new CountDownLatch(1);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink)).withoutIdempotencyStore().build()) {
            keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(lanes).build(), d -> {
                        if (d.payload().startsWith(slow + ":")) {
                            release.await(60, TimeUnit.SECONDS);
                        }
                        handled.add(d.payload());
                    });
            await().atMost(WAIT).until(() -> sink.get() != null);
            sink.get().accept(List.of(record(0, slow, 1), record(1, other, 1), record(2, other, 2)));
            try {
                await().atMost(WAIT).alias(other + "'s messages handled while " + slow + " (same hash lane) is slow")
                        .until(() -> handled.containsAll(List.of(other + ":1", other + ":2")));
                assertThat(handled).doesNotContain(slow + ":1");
            } finally {
                release.countDown();
            }
            await().atMost(WAIT).until(() -> handled.contains(slow + ":1"));
        }
    }

    @Test
    void eachKeyShouldBeHandledInOrderAndOneAtATimeAcrossManyLanes() throws Exception {
        int keys = 200;
        int perKey = 50;
        AtomicReference<DeliverySink> sink = new AtomicReference<>();
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> runningOfKey = new ConcurrentHashMap<>();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        try (Keel keel = Keel.builder(new SinkCapturingAdapter(sink)).withoutIdempotencyStore().build()) {
            keel.subscribe(SubscriptionConfig.builder("t", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(16).maxInFlight(keys * perKey).build(), d -> {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        String key = d.key();
                        if (runningOfKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() != 1) {
                            overlaps.add(key);
                        }
                        String payload = d.payload();
                        seen.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
                                .add(Integer.parseInt(payload.substring(payload.indexOf(':') + 1)));
                        Thread.yield();
                        runningOfKey.get(key).decrementAndGet();
                        running.decrementAndGet();
                        total.incrementAndGet();
                    });
            await().atMost(WAIT).until(() -> sink.get() != null);
            List<InboundRecord> records = new ArrayList<>();
            long position = 0;
            for (int seq = 1; seq <= perKey; seq++) {
                for (int k = 0; k < keys; k++) {
                    records.add(record(position++, "k" + k, seq));
                }
            }
            for (int from = 0; from < records.size(); from += 500) { // in poll-sized batches
                sink.get().accept(records.subList(from, from + 500));
            }
            await().atMost(Duration.ofSeconds(60)).untilAtomic(total, org.hamcrest.Matchers.equalTo(keys * perKey));
        }
        assertThat(overlaps).as("keys with two messages handled at once").isEmpty();
        assertThat(maxRunning.get()).as("handlers running at once").isLessThanOrEqualTo(16);
        assertThat(seen).hasSize(keys);
        seen.forEach((key, seqs) -> assertThat(seqs).as("order of %s", key).isSorted().hasSize(perKey));
    }

    /** A key other than {@code key} that the former lane hashing puts on the same lane. */
    private static String keyOnSameLaneAs(String key, int lanes) {
        int lane = KeyHash.laneOf(key, lanes);
        for (int i = 0; ; i++) {
            String candidate = "other-" + i;
            if (KeyHash.laneOf(candidate, lanes) == lane) {
                return candidate;
            }
        }
    }

    private static InboundRecord record(long position, String key, int seq) {
        return new InboundRecord("t", "0", position, key + "-" + seq, key, Map.of(),
                (key + ":" + seq).getBytes(StandardCharsets.UTF_8), Instant.now(), 1, () -> { });
    }
}
