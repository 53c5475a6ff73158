package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Share-group records and the broker's lock on them: a record is handled by one member at a time, once. */
@Tag("share")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupLockTest {

    private static final Duration LOCK = Duration.ofSeconds(1);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("share-lock");
    private final String group = KafkaTestSupport.unique("share-lock-group");

    /**
     * A share consumer goes on fetching in the background as long as its last fetch brought nothing, also while Keel
     * does not poll it (the subscription paused: its in-flight work is full). What that fetch acquires waits in the
     * client with its lock running. Here one subscription of two share consumers and one in-flight message: one
     * consumer runs a message for three lock durations (renewing its lock) and the subscription is paused meanwhile,
     * so the message published then waits in the other consumer's client until its lock ran out.
     */
    @Test
    void aRecordFetchedWhileTheSubscriptionIsPausedShouldBeHandledOnceEvenWhenItsLockRanOutInTheClient()
            throws Exception {
        KafkaTestSupport.alterShareGroup(bootstrap, KafkaAdapter.shareGroupId(group),
                Map.of("share.record.lock.duration.ms", String.valueOf(LOCK.toMillis())));
        Map<String, List<Integer>> runs = new ConcurrentHashMap<>();
        CountDownLatch slowStarted = new CountDownLatch(1);
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).shareConsumers(2).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                    .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(1).maxInFlight(1)
                    .build(), d -> {
                        runs.computeIfAbsent(d.id(), id -> new CopyOnWriteArrayList<>()).add(d.attempt());
                        if (d.id().equals("slow")) {
                            slowStarted.countDown();
                            Thread.sleep(LOCK.toMillis() * 3); // a long handler, its lock renewed meanwhile
                        }
                    });

            publish(keel, "slow");
            assertThat(slowStarted.await(30, TimeUnit.SECONDS)).isTrue();
            publish(keel, "fetched-while-paused");

            await().atMost(Duration.ofSeconds(30)).until(() -> runs.containsKey("fetched-while-paused"));
            publish(keel, "after");
            await().atMost(Duration.ofSeconds(30)).until(() -> runs.containsKey("after"));
            // a second run (its next delivery, once its lock ran out) would come within a lock duration or two
            await().during(LOCK.multipliedBy(3)).atMost(LOCK.multipliedBy(5))
                    .until(() -> runs.get("fetched-while-paused").size() == 1);
        } finally {
            System.out.println("runs (attempts) by message: " + runs);
        }
        assertThat(runs.get("slow")).as("the long handler, its lock renewed").containsExactly(1);
        assertThat(runs.get("fetched-while-paused")).as("runs of the record fetched while paused").hasSize(1);
    }

    /**
     * The broker times a renewed lock by the group's lock duration as it is at the renewal; a duration lowered while
     * a handler runs must shorten the wait before its next renewal. Before, renewals stayed timed by the duration
     * read at the fetch (every 2 s here, of a lock lowered from 4 s to 1 s): the lock ran out between two renewals,
     * and the other share consumer ran the message again while the first still ran it.
     */
    @Test
    void aLockDurationLoweredWhileAHandlerRunsShouldStillKeepItsMessageFromRunningTwice() throws Exception {
        String share = KafkaAdapter.shareGroupId(group);
        KafkaTestSupport.alterShareGroup(bootstrap, share, Map.of("share.record.lock.duration.ms", "4000"));
        Map<String, List<Integer>> runs = new ConcurrentHashMap<>();
        CountDownLatch longStarted = new CountDownLatch(1);
        CountDownLatch longReturned = new CountDownLatch(1);
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).shareConsumers(2).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                    .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(2).maxInFlight(2)
                    .build(), d -> {
                        boolean first = runs.computeIfAbsent(d.id(), id -> new CopyOnWriteArrayList<>()).isEmpty();
                        runs.get(d.id()).add(d.attempt());
                        if (first) {
                            longStarted.countDown();
                            Thread.sleep(6_000); // longer than the lowered lock's renewals would leave it
                            longReturned.countDown();
                        }
                    });
            publish(keel, "long");
            assertThat(longStarted.await(30, TimeUnit.SECONDS)).isTrue();
            KafkaTestSupport.alterShareGroup(bootstrap, share, Map.of("share.record.lock.duration.ms",
                    String.valueOf(LOCK.toMillis())));
            assertThat(longReturned.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            System.out.println("runs (attempts) by message: " + runs);
        }
        assertThat(runs.get("long")).as("runs of the long handler's message, its lock lowered meanwhile")
                .containsExactly(1);
    }

    private void publish(Keel keel, String id) {
        keel.publisher().publish(topic, Message.builder(id, Codec.utf8()).id(id).build());
    }
}
