package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Graceful closes of share-group subscriptions on the real broker: what a close does to the records a member holds. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupCloseTest {

    private static final int MESSAGES = 300;
    private static final int CLOSES = 6;

    /**
     * Every message is handled or (a poison one) dead-lettered with its cause, however often the subscription closes.
     * With the group's delivery limit at its minimum (2), a record released at one close comes back at its last
     * delivery; a close that released it again made the broker archive it, neither handled nor dead-lettered.
     */
    @Test
    void closingMidBacklogShouldLoseNoMessageAtItsLastDelivery() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("share-close");
        String group = KafkaTestSupport.unique("share-close-group");
        KafkaTestSupport.alterShareGroup(bootstrap, KafkaAdapter.shareGroupId(group),
                Map.of("share.delivery.count.limit", "2"));
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        Map<Integer, Integer> attempts = new ConcurrentHashMap<>();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(keel.publisher().publishAsync(topic, Message.builder("m-" + i, Codec.utf8()).id("m-" + i)
                        .build()).toCompletableFuture());
            }
            sends.forEach(CompletableFuture::join);
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                    .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(4)
                    .maxInFlight(64).retryPolicy(RetryPolicy.custom().maxAttempts(3)
                            .initialBackoff(Duration.ofMillis(50)).jitter(0).build())
                    .build();

            for (int close = 0; close < CLOSES; close++) {
                AtomicInteger startedHere = new AtomicInteger();
                Subscription subscription = keel.subscribe(config, d -> {
                    startedHere.incrementAndGet();
                    Thread.sleep(100); // slow: a member's batch waits in the lanes
                    failIfPoison(d.id());
                    handled.merge(d.id(), 1, Integer::sum);
                    attempts.merge(d.attempt(), 1, Integer::sum);
                });
                await().atMost(Duration.ofSeconds(60)).until(() -> startedHere.get() > 0 || handled.size() == MESSAGES);
                subscription.close(); // mid-backlog: most of each member's batch has not started
            }

            keel.subscribe(config, d -> {
                failIfPoison(d.id());
                handled.merge(d.id(), 1, Integer::sum);
            });
            Set<String> missing = new TreeSet<>();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> unaccounted(keel, topic, group, handled).isEmpty());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                missing.addAll(unaccounted(keel, topic, group, handled));
            }
            assertThat(missing).as("messages neither handled nor dead-lettered (archived by the broker) after %d "
                    + "closes with delivery limit 2", CLOSES).isEmpty();
            List<DeadLetter> letters = keel.deadLetters(topic, group).list(DeadLetterFilter.all());
            assertThat(letters).allSatisfy(letter -> assertThat(letter.causeMessage()).as(letter.id())
                    .isEqualTo("poison " + letter.id()));
            assertThat(handled.keySet()).noneMatch(KafkaShareGroupCloseTest::isPoison);
            System.out.println("after " + CLOSES + " closes: " + handled.size() + " handled, "
                    + keel.deadLetters(topic, group).list(DeadLetterFilter.all()).size() + " dead-lettered; handled at delivery (count): " + attempts);
        }
    }

    /**
     * A message that failed just before its subscription began to close is handed back to the broker (its retry) while
     * the close waits for running handlers, and its next delivery, the last, can be taken at once by a sibling share
     * consumer that has nothing to do: that consumer's fetch goes on in the background, also while the closing
     * subscription no longer polls it, and what it takes then stayed in the client until the client closed, which
     * gave it back at its last delivery: archived, neither handled nor dead-lettered, and no line logged. Here three
     * share consumers (one record each): one runs a slow message (the close waits for it), one fails a message just
     * before the close begins (its hand-back is sent during the close: commits every 2 s), the third is idle.
     */
    @Test
    @Tag("share")
    void aMessageHandedBackWhileItsSubscriptionClosesShouldBeDeadLetteredAtItsLastDelivery() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("share-close-fail");
        String group = KafkaTestSupport.unique("share-close-fail-group");
        KafkaTestSupport.alterShareGroup(bootstrap, KafkaAdapter.shareGroupId(group),
                Map.of("share.delivery.count.limit", "2"));
        CountDownLatch slowRunning = new CountDownLatch(1);
        Map<String, List<Integer>> runs = new ConcurrentHashMap<>();
        ReleaseSignallingStore store = new ReleaseSignallingStore("poison");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).shareConsumers(3)
                .commitInterval(Duration.ofSeconds(2)).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                    .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(3).maxInFlight(3)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).jitter(0)
                            .build())
                    .build();
            Subscription subscription = keel.subscribe(config, d -> {
                runs.computeIfAbsent(d.id(), id -> new CopyOnWriteArrayList<>()).add(d.attempt());
                if (d.id().equals("slow")) {
                    slowRunning.countDown();
                    Thread.sleep(3_000); // the close waits for it
                } else {
                    throw new IllegalStateException("poison " + d.id());
                }
            });
            keel.publisher().publish(topic, Message.builder("slow", Codec.utf8()).id("slow").build());
            assertThat(slowRunning.await(30, TimeUnit.SECONDS)).isTrue();
            keel.publisher().publish(topic, Message.builder("poison", Codec.utf8()).id("poison").build());
            assertThat(store.released.await(30, TimeUnit.SECONDS)).as("poison's first attempt failed, its claim "
                    + "released for its redelivery").isTrue();

            subscription.close(Duration.ofSeconds(30)); // the hand-back goes to the broker while the close waits
            keel.subscribe(config, d -> {
                runs.computeIfAbsent(d.id(), id -> new CopyOnWriteArrayList<>()).add(d.attempt());
                throw new IllegalStateException("poison " + d.id());
            });
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> !keel.deadLetters(topic, group)
                        .list(DeadLetterFilter.all()).isEmpty());
            } finally {
                System.out.println("runs (attempts) by message: " + runs);
            }
            DeadLetter letter = keel.deadLetters(topic, group).list(DeadLetterFilter.all()).get(0);
            assertThat(letter.id()).isEqualTo("poison");
            assertThat(letter.causeMessage()).isEqualTo("poison poison");
            assertThat(runs.get("poison")).containsExactly(1, 2);
        }
    }

    /** The in-memory store, telling when the claim of one message is released (its attempt failed, to be retried). */
    private static final class ReleaseSignallingStore implements IdempotencyStore {
        private final IdempotencyStore store = new InMemoryIdempotencyStore();
        private final String id;
        final CountDownLatch released = new CountDownLatch(1);

        ReleaseSignallingStore(String id) {
            this.id = id;
        }

        @Override
        public ClaimResult claim(String namespace, String id, String token, Duration lease) {
            return store.claim(namespace, id, token, lease);
        }

        @Override
        public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
            return store.complete(namespace, id, token, retention);
        }

        @Override
        public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
            return store.markDead(namespace, id, token, retention);
        }

        @Override
        public LeaseOutcome release(String namespace, String id, String token) {
            LeaseOutcome outcome = store.release(namespace, id, token);
            if (this.id.equals(id)) {
                released.countDown();
            }
            return outcome;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** Every 30th message always fails: it ends as a dead letter with its cause. */
    private static boolean isPoison(String id) {
        return Integer.parseInt(id.substring(2)) % 30 == 7;
    }

    private static void failIfPoison(String id) {
        if (isPoison(id)) {
            throw new IllegalStateException("poison " + id);
        }
    }

    private static Set<String> unaccounted(Keel keel, String topic, String group, Map<String, Integer> handled) {
        Set<String> missing = new TreeSet<>();
        for (int i = 0; i < MESSAGES; i++) {
            missing.add("m-" + i);
        }
        missing.removeAll(handled.keySet());
        if (!missing.isEmpty()) {
            keel.deadLetters(topic, group).list(DeadLetterFilter.all()).forEach(letter -> missing.remove(letter.id()));
        }
        return missing;
    }
}
