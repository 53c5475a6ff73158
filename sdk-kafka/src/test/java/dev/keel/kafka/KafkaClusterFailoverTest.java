package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.KafkaCluster;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A three-node Kafka cluster (the harness's {@link KafkaCluster}), topics replicated three times with
 * two in sync, and a node killed with kill -9 while messages flow under EFFECTIVELY_ONCE with Redis:
 * nothing confirmed is lost, no effect runs twice, each key's messages are handled in publish order.
 * Tagged {@code cluster}: runs with {@code -Pcluster} (docs/high-availability.md).
 */
@Tag("cluster")
@UsesBrokers(BrokerKind.REDIS)
class KafkaClusterFailoverTest {

    private static final int MESSAGES = 1500;
    private static final int BATCH = 25;
    private static final int KEYS = 13;
    private static final Duration PATIENCE = Duration.ofSeconds(180);

    private static KafkaCluster cluster;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> handledPerKey = new ConcurrentHashMap<>();
    private final AtomicLong longestBatchNanos = new AtomicLong();
    private boolean shareGroup;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.local();
    }

    @AfterEach
    void closeAndHeal() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        cluster.restartKilled();
        cluster.awaitBrokers(cluster.nodeIds().size(), PATIENCE);
    }

    @Test
    void aPartitionLeaderKilledMidStreamShouldLoseNoConfirmedMessageAndRepeatNoEffect() throws Exception {
        streamWhileKilling("ha-leader", "partition leader", topic -> cluster.leaderOf(topic, 0));
    }

    @Test
    void theControllerQuorumLeaderKilledShouldNotStopPublishingOrConsuming() throws Exception {
        streamWhileKilling("ha-controller", "controller quorum leader", topic -> cluster.controllerLeader());
    }

    /**
     * The same under a share group (the cluster is formatted with share groups; their state topic is replicated
     * three times): nothing confirmed is lost and no effect runs twice (a share group keeps no key order to check).
     */
    @Test
    void aPartitionLeaderKilledUnderAShareGroupShouldLoseNoConfirmedMessageAndRepeatNoEffect() throws Exception {
        shareGroup = true;
        streamWhileKilling("ha-share", "partition leader (share group)", topic -> cluster.leaderOf(topic, 0));
    }

    /**
     * Publishes and consumes the stream on a new topic (3 partitions, replication 3, 2 in sync), kills the node
     * {@code victim} names once a third is confirmed, and checks that every confirmed message took effect once,
     * in key order.
     */
    private void streamWhileKilling(String prefix, String what, ToIntFunction<String> victim) throws Exception {
        String topic = KafkaTestSupport.unique(prefix);
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).replicationFactor(3).minInSyncReplicas(2).build());
        subscribe(keel, topic);

        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> publish(keel, topic, confirmed, failures));
        await().atMost(PATIENCE).until(() -> confirmed.size() >= MESSAGES / 3);
        cluster.kill(victim.applyAsInt(topic));
        stream.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        report(what);

        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class));
        assertThat(confirmed.size()).as("publishing went on on the two live nodes").isGreaterThan(MESSAGES / 2);
        await().atMost(PATIENCE).until(() -> effects.keySet().containsAll(confirmed));
        assertEffectsOnceInKeyOrder();
    }

    @Test
    void twoOfThreeNodesDownShouldFailPublishesWithARetriableErrorUntilANodeReturns() {
        String topic = KafkaTestSupport.unique("ha-quorum");
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).replicationFactor(3).minInSyncReplicas(2).build());
        keel.publisher().publish(topic, Message.ofText("before"));

        int leader = cluster.leaderOf(topic, 0);
        List<Integer> others = cluster.nodeIds().stream().filter(n -> n != leader).toList();
        cluster.kill(others.get(0));
        cluster.kill(others.get(1));

        // the one live node has the partition but not min.insync.replicas: a typed, retriable failure, not a hang
        CompletableFuture<?> refused = keel.publisher().publishAsync(topic, Message.ofText("while down"))
                .toCompletableFuture();
        Throwable failure = await().atMost(PATIENCE).until(() -> refused.isDone() ? failureOf(refused) : null,
                error -> error != null);
        assertThat(failure).isInstanceOf(KeelException.class);
        assertThat(((KeelException) failure).isRetriable()).as("retriable: " + failure).isTrue();

        cluster.restart(others.get(0));
        await().atMost(PATIENCE).ignoreExceptions()
                .until(() -> keel.publisher().publish(topic, Message.ofText("after")) != null);
    }

    private Keel keel() {
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(cluster.bootstrapServers())
                .deliveryTimeout(Duration.ofSeconds(30)).build());
        resources.add(adapter);
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri())
                .keyPrefix(UniqueNames.keyPrefix("kafka-ha")).build());
        resources.add(store);
        Keel keel = Keel.builder(adapter).idempotencyStore(store)
                .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(40)).build()).build();
        resources.add(keel);
        return keel;
    }

    private void subscribe(Keel keel, String topic) {
        keel.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("billing"), Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).shareGroup(shareGroup)
                .ordering(shareGroup ? dev.keel.ordering.Ordering.UNORDERED : dev.keel.ordering.Ordering.PER_KEY)
                .build(), delivery -> {
                    effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                    handledPerKey.computeIfAbsent(delivery.key(), k -> new CopyOnWriteArrayList<>())
                            .add(Integer.parseInt(delivery.payload()));
                });
    }

    /**
     * A figure for docs/high-availability.md, not a check: the longest a batch of publishes took to complete,
     * which the failover's wait for a new leader and the clients' metadata refresh dominate.
     */
    private void report(String what) {
        System.out.printf("%s killed: the longest batch of %d publishes took %d ms%n", what, BATCH,
                longestBatchNanos.get() / 1_000_000);
    }

    /** Publishes the stream in batches, each message once (its failures recorded, not retried). */
    private void publish(Keel keel, String topic, Set<String> confirmed, List<Throwable> failures) {
        for (int from = 0; from < MESSAGES; from += BATCH) {
            List<CompletableFuture<Void>> batch = new ArrayList<>();
            for (int i = from; i < from + BATCH; i++) {
                String id = topic + "-" + i;
                batch.add(keel.publisher().publishAsync(topic, Message.builder(String.valueOf(i), Codec.utf8()).id(id)
                        .key("k" + (i % KEYS)).build()).toCompletableFuture().handle((receipt, error) -> {
                            if (error == null) {
                                confirmed.add(id);
                            } else {
                                failures.add(error instanceof CompletionException ? error.getCause() : error);
                            }
                            return null;
                        }));
            }
            // one batch at a time: a key's next batch is published after its previous one completed
            long started = System.nanoTime();
            batch.forEach(CompletableFuture::join);
            longestBatchNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
        }
    }

    private void assertEffectsOnceInKeyOrder() {
        assertThat(effects.values()).allSatisfy(n -> assertThat(n.get()).as("effects of one message").isEqualTo(1));
        if (!shareGroup) {
            handledPerKey.forEach((key, sequence) -> assertThat(sequence).as("order of key " + key).isSorted());
        }
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
