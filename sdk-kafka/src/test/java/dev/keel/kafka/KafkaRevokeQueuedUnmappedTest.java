package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The poll thread hands records over unmapped; they are mapped in their lanes. A rebalance that revokes a partition
 * (of two: the second consumer gets one) while most of its records still wait unmapped in the one lane: those are dropped, unmapped, and none runs on the
 * old owner once the revoke completed (it would run twice: the new owner gets them from the committed offset); the
 * ones that finished are committed (else the new owner would run them again); each key keeps its order across the
 * handover. AT_LEAST_ONCE, so no idempotency store hides a second run.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaRevokeQueuedUnmappedTest {

    private static final int KEYS = 10;
    private static final int PER_KEY = 250;
    private static final long WORK_NANOS = TimeUnit.MILLISECONDS.toNanos(2); // simulated handler work

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<Keel> keels = new ArrayList<>();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> sequenceByKey = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> handledBy = new ConcurrentHashMap<>();
    /** Set once the second consumer subscribed: the first one's handler then holds until the group rebalances. */
    private volatile String joining;
    private volatile boolean rebalanceSeen;

    @AfterEach
    void close() {
        keels.forEach(Keel::close);
        adapters.forEach(KafkaAdapter::close);
    }

    private Keel keel() {
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        adapters.add(adapter);
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        keels.add(keel);
        return keel;
    }

    private void subscribe(Keel keel, String name, String topic, String group) {
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.PER_KEY).lanes(1).maxInFlight(10_000)
                .build(), delivery -> {
                    String[] keyAndSequence = delivery.payload().split(":");
                    sequenceByKey.computeIfAbsent(keyAndSequence[0], k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(Integer.parseInt(keyAndSequence[1]));
                    LockSupport.parkNanos(WORK_NANOS);
                    if (name.equals("first") && joining != null && !rebalanceSeen) {
                        // hold the lane (and every record queued behind it) until the group rebalances, so that the
                        // revoke meets them queued however fast this consumer runs on the machine
                        awaitRebalance(joining);
                    }
                    runs.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                    handledBy.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                });
    }

    private void awaitRebalance(String group) {
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            // the second member listed, or the group not stable: the rebalance began. Only "not stable" was looked
            // at before, and a join quicker than Awaitility's poll went unseen: the handler then held its lane, and
            // with it the revoke, for a minute (a CI failure)
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get()
                        .get(group);
                return description.groupState() != GroupState.STABLE || description.members().size() > 1;
            });
        }
        rebalanceSeen = true;
    }

    @Test
    void aRevokeWhileRecordsWaitUnmappedInTheLaneShouldRunNoneOfThemTwiceAndKeepEachKeysOrder() throws Exception {
        String topic = KafkaTestSupport.unique("revoke-unmapped");
        String group = KafkaTestSupport.unique("group");
        Keel first = keel();
        first.ensureTopology(TopicSpec.builder(topic).partitions(2).build()); // one moves to the second consumer
        List<CompletableFuture<?>> published = new ArrayList<>();
        for (int seq = 0; seq < PER_KEY; seq++) {
            for (int k = 0; k < KEYS; k++) {
                String key = "key-" + k;
                published.add(first.publisher().publishAsync(topic, Message.builder(key + ":" + seq, Codec.utf8())
                        .id(key + ":" + seq).key(key).build()).toCompletableFuture());
            }
        }
        published.forEach(CompletableFuture::join);
        subscribe(first, "first", topic, group);
        await().atMost(Duration.ofSeconds(60)).until(() -> runs.size() >= KEYS * PER_KEY / 10);

        joining = group;
        subscribe(keel(), "second", topic, group);
        await().atMost(Duration.ofSeconds(120)).until(() -> runs.size() == KEYS * PER_KEY);

        assertThat(handledBy.get("second")).as("the second consumer took the partition over").isNotNull();
        assertThat(handledBy.get("first").get()).as("the first consumer gave it up before the end")
                .isLessThan(KEYS * PER_KEY);
        assertThat(runs.entrySet()).as("messages run twice").allSatisfy(e ->
                assertThat(e.getValue().get()).as(e.getKey()).isEqualTo(1));
        List<Integer> expected = IntStream.range(0, PER_KEY).boxed().toList();
        for (int k = 0; k < KEYS; k++) {
            assertThat(sequenceByKey.get("key-" + k)).as("handling order of key-%d", k).isEqualTo(expected);
        }
        keels.forEach(Keel::close);
        assertThat(KafkaTestSupport.committed(bootstrap, group).values().stream().mapToLong(Long::longValue).sum())
                .as("every offset committed").isEqualTo(KEYS * PER_KEY);
    }
}
