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
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a closing share-group subscription fetches, on the real broker: nothing new once its close began, and what its
 * fetches under way bring at the broker's last delivery it runs before it closes.
 */
@Tag("share")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupDrainTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("share-drain");
    private final String group = KafkaTestSupport.unique("share-drain-group");
    private final String share = KafkaAdapter.shareGroupId(group);
    private final Map<String, List<Integer>> runs = new ConcurrentHashMap<>();

    /**
     * A backlog whose every record is at the broker's last delivery (limit 2, each released once by a plain share
     * consumer), read by two share consumers of one record each and a slow handler, closed mid-backlog while both
     * run a record. The close runs what the subscription held (handed back, it would be archived) and fetches nothing
     * more: before, each share consumer whose record finished fetched the next one, and the close gave back what that
     * fetch took (archived: lost), or, when the fetch came back in time, ran the whole backlog until its timeout.
     * (Both share consumers are busy when the close begins: one idle then has a fetch under way that kafka-clients
     * cannot stop, and what that fetch takes after the close's last look is given back: docs/kafka.md.)
     */
    @Test
    void aClosingSubscriptionShouldRunWhatItHoldsAtTheLastDeliveryAndFetchNothingMore() throws Exception {
        KafkaTestSupport.alterShareGroup(bootstrap, share, Map.of("share.delivery.count.limit", "2",
                "share.auto.offset.reset", "earliest"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add("m-" + i);
        }
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).shareConsumers(2).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            publish(keel, ids);
            try (KafkaShareConsumer<byte[], byte[]> plain = plainShareConsumer()) {
                List<ConsumerRecord<byte[], byte[]>> taken = take(plain, ids.size());
                taken.forEach(r -> plain.acknowledge(r, AcknowledgeType.RELEASE)); // next delivery: the last
                plain.commitSync();
            }
            AtomicInteger running = new AtomicInteger();
            Subscription subscription = keel.subscribe(config().lanes(2).maxInFlight(2).build(), d -> {
                running.incrementAndGet();
                try {
                    record(d.id(), d.attempt());
                    // slow: the close comes while both records are held. 300 ms was too short at load 12: one
                    // ended before the close began, its share consumer fetched m-2, and the close gave it back at its
                    // last delivery (archived): the documented case of an idle member, not the one tested here
                    Thread.sleep(3_000);
                } finally {
                    running.decrementAndGet();
                }
            });
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> running.get() == 2);

            int before = runs.size();
            subscription.close();
            int duringClose = runs.size() - before;

            keel.subscribe(config().build(), d -> record(d.id(), d.attempt()));
            awaitAccounted(ids);
            System.out.println("runs during the close: " + duringClose + "; runs (attempts) by message: " + runs);
            assertThat(unaccounted(keel, ids)).as("neither handled nor dead-lettered").isEmpty();
            assertThat(duringClose).as("messages started by the close besides the two running: at most one each "
                    + "share consumer fetched if its record ended just before the close").isLessThanOrEqualTo(2);
        }
    }

    /**
     * A record that a paused subscription held back (its in-flight work full) arrived at a delivery count below the
     * limit Keel had read; the limit was lowered meanwhile, making that delivery the last. The close checks what it
     * held back against the limit as it is now and runs such a record; before, it handed it back and the broker
     * archived it. Here one in-flight message (a slow one) and two share consumers: the idle one takes a record that
     * a plain member held and released after the limit went down from 5 to 2.
     */
    @Test
    void aRecordHeldBackWhilePausedShouldRunAtCloseWhenALoweredLimitMadeItsDeliveryTheLast() throws Exception {
        KafkaTestSupport.alterShareGroup(bootstrap, share, Map.of("share.delivery.count.limit", "5",
                "share.auto.offset.reset", "earliest"));
        List<String> victims = List.of("v-0", "v-1", "v-2");
        CountDownLatch slowStarted = new CountDownLatch(1);
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).shareConsumers(2).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            publish(keel, victims);
            Subscription subscription;
            try (KafkaShareConsumer<byte[], byte[]> plain = plainShareConsumer()) { // after the topic exists
                List<ConsumerRecord<byte[], byte[]>> held = take(plain, victims.size()); // delivery 1, held
                subscription = keel.subscribe(config().lanes(1).maxInFlight(1).build(), d -> {
                    record(d.id(), d.attempt());
                    if (d.id().equals("slow")) {
                        slowStarted.countDown();
                        Thread.sleep(3_000); // the subscription is paused meanwhile; the close waits for it
                    }
                });
                publish(keel, List.of("slow"));
                assertThat(slowStarted.await(30, TimeUnit.SECONDS)).isTrue();
                KafkaTestSupport.alterShareGroup(bootstrap, share, Map.of("share.delivery.count.limit", "2"));
                held.forEach(r -> plain.acknowledge(r, AcknowledgeType.RELEASE)); // their next delivery: the last
                plain.commitSync();
            }
            // the idle share consumer's waiting fetch takes a victim within milliseconds on a quiet machine; the
            // close must begin after that fetch came back, or what it took is given back at its last delivery
            // (archived: the idle-member limit docs/kafka.md describes, not the case tested here). 1 s was too short
            // at load 13 (v-1 lost in this session's run); kafka-clients shows no fetch under way to wait for
            Thread.sleep(5_000);
            subscription.close();

            keel.subscribe(config().build(), d -> record(d.id(), d.attempt()));
            awaitAccounted(victims);
            System.out.println("runs (attempts) by message: " + runs);
            assertThat(unaccounted(keel, victims)).as("neither handled nor dead-lettered").isEmpty();
        }
    }

    private SubscriptionConfig.Builder<String> config() {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true).ordering(Ordering.UNORDERED)
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).closeTimeout(Duration.ofSeconds(30));
    }

    private void record(String id, int attempt) {
        runs.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(attempt);
    }

    private void publish(Keel keel, List<String> ids) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (String id : ids) {
            sends.add(keel.publisher().publishAsync(topic, Message.builder(id, Codec.utf8()).id(id).build())
                    .toCompletableFuture());
        }
        sends.forEach(CompletableFuture::join);
    }

    private KafkaShareConsumer<byte[], byte[]> plainShareConsumer() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", share);
        props.put("share.acknowledgement.mode", "explicit");
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(props);
        consumer.subscribe(Set.of(topic));
        return consumer;
    }

    /**
     * The records of {@code plain}'s first poll that returns any (explicit acknowledgement: each must be acknowledged
     * before the next poll), checked to be all {@code count} published (they are, published together).
     */
    private static List<ConsumerRecord<byte[], byte[]>> take(KafkaShareConsumer<byte[], byte[]> plain, int count) {
        List<ConsumerRecord<byte[], byte[]>> taken = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            plain.poll(Duration.ofMillis(200)).forEach(taken::add);
            return !taken.isEmpty();
        });
        assertThat(taken).as("records of the plain member's first poll").hasSize(count);
        return taken;
    }

    /**
     * Waits (at most 30 s) until every one of {@code ids} was handled (none fails here: the dead letters, slow to list,
     * are looked at only by the caller's assertion, for what is still missing).
     */
    private void awaitAccounted(List<String> ids) {
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> runs.keySet().containsAll(ids));
        } catch (ConditionTimeoutException e) {
            // asserted by the caller, naming the messages
        }
    }

    private Set<String> unaccounted(Keel keel, List<String> ids) {
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(runs.keySet());
        if (!missing.isEmpty()) {
            keel.deadLetters(topic, group).list(DeadLetterFilter.all()).forEach(letter -> missing.remove(letter.id()));
        }
        return missing;
    }
}
